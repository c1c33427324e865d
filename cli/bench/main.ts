/**
 * `npm run bench [-- --backend webgpu|wasm|cpu] [--json]`: SPF's costs as ratios measured in one run on one adapter —
 * SPF step vs plain LoRA step, the fused projection kernel vs the same math as composed tfjs ops, the power
 * iteration's subspace vs an exact SVD, and the achieved training rate vs the measured matmul peak.
 *
 * `npm run bench -- --shape smollm2-135m|smollm2-360m|qwen2.5-0.5b|qwen3-0.6b|tinyllama-1.1b|llama-3.2-1b [--layers N]
 * [--batch B --seq-len T --steps N --anchors N]`: a real model shape with random weights: tokens/s of plain and SPF
 * steps, MFU against the matmul peak, peak memory vs the app's estimate (cli/bench/real-shape.ts). With
 * `--logits-check`: `cli logits` at that shape on every backend vs the float64 reference (cli/bench/shape-logits.ts).
 * `--layers N` keeps the shape's widths and vocabulary with N decoder layers (a software adapter's size).
 */
import { oneOf, parseCommandArgs } from '../../node-host/args';
import { CLI_BACKENDS, selectCliBackend } from '../../node-host/backend';
import { benchRealShape } from './real-shape';
import { REAL_SHAPES } from '../real-shapes';
import { checkShapeLogits } from './shape-logits';
import { runScript } from '../../node-host/run-script';
import { describeAdapter } from './adapter';
import { benchModel, benchShape, loraStepFlops, plainStepFlops } from './bench-model';
import { matmulPeak } from './matmul';
import { benchOverlap, GAP_FOR_OVERLAP } from './overlap';
import { benchProjection } from './projection';
import { BUNDLED_ANCHORS, benchSteps, profilePlainStep, type StepTiming } from './steps';
import { BENCH_FLAGS, BENCH_USAGE, checkBenchFlags, positiveIntFlag, shapeConfig } from './flags';
import { asksForHelp } from '../args-help';
import { endQuietlyWhenStdoutCloses } from '../cli-exit';

async function main(argv: string[]): Promise<void> {
  if (asksForHelp(argv)) {
    process.stdout.write(BENCH_USAGE + '\n');
    return;
  }
  const v = parseCommandArgs('bench', argv, BENCH_FLAGS);
  checkBenchFlags(v);
  await selectCliBackend(oneOf('bench', v, 'backend', CLI_BACKENDS, 'webgpu'));
  const adapter = await describeAdapter();
  const say = (s: string): void => void (v['json'] === true ? process.stderr.write(s + '\n') : process.stdout.write(s + '\n'));
  if (typeof v['shape'] === 'string') return realShapeMain(v, adapter.software, say, `${adapter.backend}: ${adapter.description}`);
  const shape = benchShape(adapter.software);
  say(`bench on ${adapter.backend}: ${adapter.description}${adapter.software ? ' (software: sizes scaled down)' : ''}`);

  const peakSizes = adapter.software ? [256, 512, 768] : [1024, 2048, 4096];
  const peakBefore = await matmulPeak(peakSizes);
  say(`matmul peak: ${peakBefore.gflops.toFixed(2)} GFLOP/s (${peakBefore.size}³)`);

  const nb = adapter.software ? 8 : 32;
  const projections = [await benchProjection(nb, 16, 2048, 4), await benchProjection(nb, 2048, 16, 4)];
  for (const p of projections) say(`projection ${p.shape}: composed ${p.composedMs.toFixed(3)} ms, fused ${p.fusedMs.toFixed(3)} ms, ×${p.speedup.toFixed(2)}`);

  const model = await benchModel(shape);
  // 15 measured pairs on a software adapter (9 before): its step times drift by ±15 % within a run, and the median of
  // more pairs moves less between runs; the quartiles of the pairs' own ratios are reported beside it.
  const stepCounts = adapter.software ? { warmup: 2, measured: 15 } : { warmup: 3, measured: 10 };
  const steps = await benchSteps(model, shape, stepCounts);
  // SPF as the app and the CLI run it by default: the bundled anchors, each its own gradient in one batched pass.
  const bundled = await benchSteps(model, shape, { ...stepCounts, anchors: BUNDLED_ANCHORS });
  for (const b of bundled.safetyBlocks) b.dispose();
  // SPF with the anchor folded into the step's first micro-batch, whatever the adapter: what a GPU runs by default
  // (SafetyProjector's shouldFold), measured here too.
  const foldedSteps = await benchSteps(model, shape, { ...stepCounts, fold: 'always' });
  for (const b of foldedSteps.safetyBlocks) b.dispose();
  // The peak again after the steps, and the better of the two: a software adapter's rate drifts by ±10 % within a
  // minute (4.3 to 5.2 GFLOP/s in five back-to-back measurements on lavapipe), and an upper bound taken from both sides
  // of the steps keeps the MFU from flattering a step that happened to run in a fast minute.
  const peakAfter = await matmulPeak(peakSizes);
  const peak = peakAfter.gflops > peakBefore.gflops ? peakAfter : peakBefore;
  say(`matmul peak after the steps: ${peakAfter.gflops.toFixed(2)} GFLOP/s (${peakAfter.size}³); MFU below uses ${peak.gflops.toFixed(2)}`);
  const flops = plainStepFlops(model.config, shape.batch, shape.seqLen, steps.labelledRowsPerStep);
  const trainGflops = flops / (steps.plainMs * 1e6);
  const withLoraGflops = (flops + loraStepFlops(model.config, shape.batch * shape.seqLen, shape.loraR)) / (steps.plainMs * 1e6);
  const quartiles = (t: StepTiming): string => `pairs' ratios ${t.pairRatioQuartiles.map((x) => x.toFixed(3)).join('–')} (quartiles of ${stepCounts.measured})`;
  say(`steps (${shape.name}, ${shape.batch}×${shape.seqLen} tokens, anchor ${shape.anchorLen}): plain ${steps.plainMs.toFixed(0)} ms, SPF ${steps.spfMs.toFixed(0)} ms, ratio ${steps.ratio.toFixed(3)}; ${quartiles(steps)}`);
  say(`steps with ${BUNDLED_ANCHORS} anchors (the bundled default): plain ${bundled.plainMs.toFixed(0)} ms, SPF ${bundled.spfMs.toFixed(0)} ms, ratio ${bundled.ratio.toFixed(3)}; ${quartiles(bundled)}`);
  say(`SPF's anchors ${steps.folded ? 'folded into' : 'in a pass apart from'} the step's first micro-batch on this adapter; folded (one anchor): plain ${foldedSteps.plainMs.toFixed(0)} ms, SPF ${foldedSteps.spfMs.toFixed(0)} ms, ratio ${foldedSteps.ratio.toFixed(3)}`);
  say(`train step: ${trainGflops.toFixed(2)} GFLOP/s = ${((100 * trainGflops) / peak.gflops).toFixed(1)}% of the matmul peak (${((100 * withLoraGflops) / peak.gflops).toFixed(1)}% counting LoRA's own FLOPs)`);

  const profile = await profilePlainStep(model, shape);
  if (profile !== undefined) {
    const pct = (ms: number): string => `${((100 * ms) / profile.kernel_ms).toFixed(0)}%`;
    say(`plain step by kernel time: ${profile.kernel_ms.toFixed(0)} ms in kernels; matmuls ${pct(profile.matmul_ms)} (LoRA's rank-${shape.loraR} ones ${pct(profile.lora_matmul_ms)}); ` + profile.by_kernel.map((k) => `${k.name} ×${k.count} ${pct(k.ms)}`).join(', '));
  }

  const overlap = await benchOverlap(steps.safetyBlocks, 4);
  for (const b of steps.safetyBlocks) b.dispose();
  say(
    `power iteration vs exact SVD over ${overlap.blocks} safety-gradient blocks: worst overlap ${overlap.worst.toFixed(4)} on the ${overlap.gappedBlocks} with σk/σk+1 ≥ ${GAP_FOR_OVERLAP}, ` +
      `${overlap.worstAll.toFixed(4)} over all (mean ${overlap.mean.toFixed(4)}); captured energy ≥ ${(100 * overlap.worstEnergyRatio).toFixed(2)}% of the exact top-k's`,
  );
  model.dispose();

  const result = {
    backend: adapter.backend,
    adapter: adapter.description,
    software_adapter: adapter.software,
    model: shape.name,
    tokens_per_step: shape.batch * shape.seqLen,
    anchor_tokens: shape.anchorLen,
    plain_step_ms: steps.plainMs,
    spf_step_ms: steps.spfMs,
    spf_step_over_plain: steps.ratio,
    // Quartiles of the measured pairs' own SPF / plain ratios: the ratio's spread within this run.
    spf_step_over_plain_pair_quartiles: steps.pairRatioQuartiles,
    measured_step_pairs: stepCounts.measured,
    spf_anchors_folded: steps.folded,
    // One anchor folded into the first micro-batch whatever the adapter (a GPU's default), plain measured beside it.
    spf_folded_step_ms: foldedSteps.spfMs,
    spf_folded_step_over_plain: foldedSteps.ratio,
    // The same with the bundled default's anchor count (plain measured again beside it).
    bundled_anchors: BUNDLED_ANCHORS,
    plain_step_ms_bundled: bundled.plainMs,
    spf_step_ms_bundled_anchors: bundled.spfMs,
    spf_bundled_anchors_step_over_plain: bundled.ratio,
    spf_bundled_anchors_pair_quartiles: bundled.pairRatioQuartiles,
    fused_projection_speedup: Math.min(...projections.map((p) => p.speedup)),
    projection: projections,
    power_iteration_overlap: overlap.worst,
    power_iteration_overlap_all_blocks: overlap.worstAll,
    power_iteration_overlap_mean: overlap.mean,
    power_iteration_energy_ratio: overlap.worstEnergyRatio,
    power_iteration_blocks: overlap.blocks,
    power_iteration_gapped_blocks: overlap.gappedBlocks,
    matmul_peak_gflops: peak.gflops,
    train_step_gflops: trainGflops,
    mfu_vs_peak: trainGflops / peak.gflops,
    mfu_vs_peak_with_lora_flops: withLoraGflops / peak.gflops,
    step_profile: profile ?? null,
    targets: { spf_step_over_plain: '<= 1.10', fused_projection_speedup: '>= 3', power_iteration_overlap: '>= 0.99', mfu_vs_peak: '>= 0.5' },
  };
  if (v['json'] === true) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    say('');
    say('| metric | value | target |');
    say('|---|---|---|');
    say(`| spf_step_over_plain (pairs' quartiles) | ${result.spf_step_over_plain.toFixed(3)} (${result.spf_step_over_plain_pair_quartiles.map((x) => x.toFixed(3)).join('–')}) | ≤ 1.10 |`);
    say(`| spf_bundled_anchors_step_over_plain (${BUNDLED_ANCHORS} anchors) | ${result.spf_bundled_anchors_step_over_plain.toFixed(3)} | |`);
    say(`| spf_folded_step_over_plain (anchor folded in) | ${result.spf_folded_step_over_plain.toFixed(3)} | |`);
    say(`| fused_projection_speedup | ${result.fused_projection_speedup.toFixed(2)} | ≥ 3 |`);
    say(`| power_iteration_overlap | ${result.power_iteration_overlap.toFixed(4)} | ≥ 0.99 |`);
    say(`| matmul_peak_gflops | ${result.matmul_peak_gflops.toFixed(2)} | |`);
    say(`| train_step_gflops | ${result.train_step_gflops.toFixed(2)} | |`);
    say(`| mfu_vs_peak | ${result.mfu_vs_peak.toFixed(3)} | ≥ 0.5 |`);
    say(`| mfu_vs_peak_with_lora_flops | ${result.mfu_vs_peak_with_lora_flops.toFixed(3)} | |`);
  }
}

/** `--shape NAME`: the real-shape bench. Defaults keep a software adapter's run to minutes: batch 1 × 128, 2 timed steps. */
async function realShapeMain(v: Record<string, unknown>, software: boolean, say: (s: string) => void, where: string): Promise<void> {
  const name = oneOf('bench', v, 'shape', Object.keys(REAL_SHAPES), 'smollm2-135m');
  const hf = shapeConfig(name, v);
  const layers = hf['num_hidden_layers'] as number;
  if (v['logits-check'] === true) {
    // Each backend runs as its own `cli logits` process; this one only writes the model and computes the reference.
    const checks = await checkShapeLogits(name, hf, CLI_BACKENDS, say);
    if (v['json'] === true) process.stdout.write(JSON.stringify({ model: name, layers, logits_check: checks }) + '\n');
    return;
  }
  const batch = positiveIntFlag(v, 'batch', software ? 1 : 4);
  const seqLen = positiveIntFlag(v, 'seq-len', software ? 128 : 256);
  const measured = positiveIntFlag(v, 'steps', software ? 2 : 10);
  // SPF's anchors: one by default (the figures in the README's "On a real GPU"); --anchors 4 is the app's default.
  const anchors = positiveIntFlag(v, 'anchors', 1);
  say(`bench --shape ${name} (${layers} decoder layer${layers === 1 ? '' : 's'}) on ${where}, ${batch}×${seqLen} tokens per step, SPF with ${anchors} anchor${anchors === 1 ? '' : 's'}`);
  const peak = await matmulPeak(software ? [256, 512, 768] : [1024, 2048, 4096]);
  say(`matmul peak: ${peak.gflops.toFixed(2)} GFLOP/s (${peak.size}³)`);
  const r = await benchRealShape(name, hf, batch, seqLen, { warmup: 1, measured, anchors }, say);
  const result = { ...r, layers, anchors, backend: where, matmul_peak_gflops: peak.gflops, mfu_vs_peak: r.train_step_gflops / peak.gflops };
  if (v['json'] === true) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  say(`plain step ${r.plain_step_ms.toFixed(0)} ms (${r.plain_tokens_per_s.toFixed(1)} tokens/s), SPF step ${r.spf_step_ms.toFixed(0)} ms (${r.spf_tokens_per_s.toFixed(1)} tokens/s), ratio ${r.spf_step_over_plain.toFixed(3)}`);
  say(`train step ${r.train_step_gflops.toFixed(2)} GFLOP/s = ${(100 * result.mfu_vs_peak).toFixed(1)}% of the matmul peak`);
  const held = r.backend_peak_bytes === null ? 'n/a' : `${(r.backend_peak_bytes / 2 ** 20).toFixed(0)} MiB`;
  say(`peak memory held by the backend ${held} (tf.profile's tensor peak ${(r.peak_tensor_bytes / 2 ** 20).toFixed(0)} MiB) vs the app's estimate ${(r.estimate_total_bytes / 2 ** 20).toFixed(0)} MiB (${r.peak_over_estimate.toFixed(2)}×)`);
}

endQuietlyWhenStdoutCloses();
await runScript(main);
