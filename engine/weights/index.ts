// The public surface of engine/weights: sources of model files, the safetensors reader / writer, checkpoints.
export type { ByteSource } from './byte-source';
export type { ModelFiles } from './model-files';
export { byteSourceFromBlob, byteSourceFromBytes, byteSourceFromResponse } from './byte-sources';
export { MemoryFiles } from './memory-files';
export { BlobFiles, type PickedFile } from './blob-files';
export { FetchFiles, type FetchFilesOptions } from './fetch-files';
export { HubFiles, normalizeRepoId, DEFAULT_HUB_ENDPOINT, type HubFilesOptions } from './hub-files';
export { MemoryByteCache, type ByteCache, type PartialDownload } from './byte-cache';
export { CacheApiByteCache, cacheApiAvailable, openDefaultByteCache, DEFAULT_CACHE_NAME } from './cache-api-byte-cache';
export {
  readSafetensorsHeader,
  MAX_HEADER_BYTES,
  type HostTensor,
  type SafetensorsFile,
  type TensorInfo,
  type StDType,
  type FloatStDType,
} from './safetensors';
export { writeSafetensors, writeShardedCheckpoint, shardFileName, type TensorToWrite, type ShardedCheckpoint } from './safetensors-writer';
export { openCheckpoint, type Checkpoint, type CheckpointTensorInfo } from './checkpoint';
export {
  bf16BitsToF32,
  f32ToBf16Bits,
  f16BitsToF32,
  f32ToF16Bits,
  bf16ToF32Array,
  f32ToBf16Array,
  f16ToF32Array,
  f32ToF16Array,
} from './dtype';
