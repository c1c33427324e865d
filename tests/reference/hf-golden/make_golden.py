"""Computes Hugging Face golden logits / losses for the cases export-cases.ts wrote.

Usage: python make_golden.py <cases-dir> <out.json>
Needs torch and transformers (peft optional: without it LoRA is merged into the weights, W + scale * B @ A).

Two numbers per case:
- "hf":  the model as transformers runs it after model.to(float64). HF still rounds some steps to float32 on purpose
         (RMSNorm upcast, RoPE tables, eager softmax dtype, loss upcast), so this matches a float64 reference only to
         ~1e-6.
- "f64": the same code with those float32 casts redirected to float64 (torch.Tensor.to / .float and softmax's dtype
         patched for the duration), so it must match a float64 reference to ~1e-12. This is what catches
         float32-sized formula mistakes (eps placement, RoPE convention details) that "hf" would hide.
"""
import contextlib
import json
import math
import os
import sys

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM

try:
    import peft
except ImportError:  # merged LoRA instead
    peft = None


@contextlib.contextmanager
def float32_becomes_float64():
    original_to, original_float, original_softmax = torch.Tensor.to, torch.Tensor.float, torch.nn.functional.softmax
    original_arange = torch.arange

    def swap(value):
        return torch.float64 if value is torch.float32 else value

    def to(self, *args, **kwargs):
        args = tuple(swap(a) for a in args)
        if "dtype" in kwargs:
            kwargs["dtype"] = swap(kwargs["dtype"])
        return original_to(self, *args, **kwargs)

    def as_float(self, *args, **kwargs):
        return original_to(self, torch.float64)

    def softmax(*args, **kwargs):
        if "dtype" in kwargs:
            kwargs["dtype"] = swap(kwargs["dtype"])
        return original_softmax(*args, **kwargs)

    def arange(*args, **kwargs):  # RoPE tables may start from torch.arange(..., dtype=torch.float)
        if "dtype" in kwargs:
            kwargs["dtype"] = swap(kwargs["dtype"])
        return original_arange(*args, **kwargs)

    torch.Tensor.to, torch.Tensor.float, torch.nn.functional.softmax = to, as_float, softmax
    torch.arange = arange
    try:
        yield
    finally:
        torch.Tensor.to, torch.Tensor.float, torch.nn.functional.softmax = original_to, original_float, original_softmax
        torch.arange = original_arange


def tensor(t):
    return torch.tensor(t["data"], dtype=torch.float64).reshape(t["shape"])


def build(case):
    config_dict = dict(case["config"])
    model_type = config_dict.pop("model_type")
    config = AutoConfig.for_model(model_type, **config_dict)
    config._attn_implementation = "eager"
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager").to(torch.float64)
    state = {name: tensor(t) for name, t in case["weights"].items()}
    lora = case["lora"]
    if lora is not None and peft is None:
        scale = lora["alpha"] / (math.sqrt(lora["r"]) if lora["use_rslora"] else lora["r"])
        for path, ab in lora["modules"].items():
            state[path + ".weight"] = state[path + ".weight"] + scale * tensor(ab["B"]) @ tensor(ab["A"])
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not (m == "lm_head.weight" and config.tie_word_embeddings)]
    if missing or unexpected:
        raise SystemExit(f"{case['name']}: missing {missing}, unexpected {unexpected}")
    if config.tie_word_embeddings:
        model.tie_weights()
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    if lora is not None and peft is not None:
        lora_config = peft.LoraConfig(r=lora["r"], lora_alpha=lora["alpha"], use_rslora=lora["use_rslora"],
                                      target_modules=lora["targets"], lora_dropout=0.0, init_lora_weights=False)
        model = peft.get_peft_model(model, lora_config).to(torch.float64)
        for path, ab in lora["modules"].items():
            module = model.get_submodule("base_model.model." + path)
            module.lora_A["default"].weight.data.copy_(tensor(ab["A"]))
            module.lora_B["default"].weight.data.copy_(tensor(ab["B"]))
            assert module.scaling["default"] == (lora["alpha"] / (math.sqrt(lora["r"]) if lora["use_rslora"] else lora["r"]))
    return model.eval()


def inv_freq(model):
    return next(buf for name, buf in model.named_buffers() if name.endswith("inv_freq")).tolist()


def original_float64(t):
    return torch.Tensor.double(t)


def recompute_rope_tables(model):
    """transformers may (re)build the default RoPE table in float32 outside the constructor; redo it with HF's own
    init function, inside the float64 patch, so the "f64" numbers carry no float32 rounding at all."""
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
    for module in model.modules():
        if "inv_freq" in getattr(module, "_buffers", {}):
            rope_type = getattr(module, "rope_type", "default")
            if rope_type == "default" and hasattr(type(module), "compute_default_rope_parameters"):
                init = type(module).compute_default_rope_parameters
            else:
                init = ROPE_INIT_FUNCTIONS[rope_type]
            table, _ = init(module.config, None)
            before = module._buffers["inv_freq"]
            print(f"  {type(module).__name__} {rope_type}: table {table.dtype}, buffer was {before.dtype}, "
                  f"max rel change {((table.double() - before.double()) / before.double()).abs().max().item():.2e}")
            module._buffers["inv_freq"] = original_float64(table)


def evaluate(case, exact=False):
    model = build(case)
    if exact:
        recompute_rope_tables(model)
    out = model(input_ids=torch.tensor([case["ids"]]), labels=torch.tensor([case["labels"]]))
    return {"logits": out.logits[0].flatten().tolist(), "loss": out.loss.item(), "dtype": str(out.logits.dtype),
            "inv_freq": inv_freq(model)}


def run(case):
    with torch.no_grad():
        hf = evaluate(case)
    with torch.no_grad(), float32_becomes_float64():
        f64 = evaluate(case, exact=True)  # rebuilt inside the patch so the RoPE tables are computed in float64 too
    spread = max(abs(a - b) for a, b in zip(hf["logits"], f64["logits"]))
    print(f"{case['name']}: loss hf {hf['loss']:.12f} f64 {f64['loss']:.12f}, max |hf - f64| logit {spread:.3e}")
    return {"hf": hf, "f64": f64}


def main():
    cases_dir, out_path = sys.argv[1], sys.argv[2]
    results = {}
    for file in sorted(os.listdir(cases_dir)):
        case = json.load(open(os.path.join(cases_dir, file)))
        try:
            results[case["name"]] = run(case)
        except Exception as error:  # one broken case must not hide the others' results
            import traceback
            traceback.print_exc()
            results[case["name"]] = {"error": repr(error)}
    versions = {"torch": torch.__version__, "transformers": transformers.__version__,
                "peft": None if peft is None else peft.__version__}
    print(versions)
    json.dump({"versions": versions, "cases": results}, open(out_path, "w"))


if __name__ == "__main__":
    main()
