// tsconfig.app.json loads no ambient type packages (`types: []`) and TypeScript's DOM lib has no WebGPU yet: pull in
// the WebGPU declarations for the page here, in one place.
/// <reference types="@webgpu/types" />
