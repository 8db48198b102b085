/** The wire protocol: schemas, codes, decoding and encoding. Browser-safe (no Node imports). */
export * from './messages.js';
export * from './error-codes.js';
export * from './close-codes.js';
export * from './limits.js';
export * from './names.js';
export * from './username-key.js';
export * from './frame.js';
