// tsconfig.engine.json maps react / react-dom here, so engine and worker code that uses them fails to compile:
// @types/react would otherwise satisfy the import even without the DOM lib.
declare const reactIsNotAllowedInEngine: unique symbol;
export = reactIsNotAllowedInEngine;
