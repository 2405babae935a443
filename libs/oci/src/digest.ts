import { createHash } from 'node:crypto';
import { RegistryError } from './errors';

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
  /** The canonical `algorithm:hex` string (identical to the input once it parsed). */
  digest: string;
}

// Image spec grammar: algorithm-component ([+._-] algorithm-component)* ":" encoded.
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

const HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

// Bounded so a hostile path or manifest cannot make the error body arbitrarily large.
const MAX_ECHO = 256;

function invalid(input: string, message: string): RegistryError {
  return new RegistryError('DIGEST_INVALID', message, { detail: { digest: input.slice(0, MAX_ECHO) } });
}

/** Parses `sha256:<64 lowercase hex>` or `sha512:<128 lowercase hex>`; anything else is DIGEST_INVALID. */
export function parseDigest(input: string): ParsedDigest {
  if (typeof input !== 'string' || !DIGEST_GRAMMAR.test(input)) {
    throw invalid(String(input), 'invalid digest: expected algorithm:encoded, e.g. sha256:<64 hex characters>');
  }
  const colon = input.indexOf(':');
  const algorithm = input.slice(0, colon);
  const hex = input.slice(colon + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw invalid(input, `unsupported digest algorithm "${algorithm}": only sha256 and sha512 are accepted`);
  }
  const length = HEX_LENGTH[algorithm];
  if (hex.length !== length || !/^[0-9a-f]+$/.test(hex)) {
    throw invalid(input, `invalid ${algorithm} digest: expected ${length} lowercase hex characters`);
  }
  return { algorithm, hex, digest: input };
}

const CANONICAL = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

/** True for exactly what parseDigest accepts; cheap (no exception) because manifest GETs ask it for every tag. */
export function isDigest(input: string): boolean {
  return typeof input === 'string' && CANONICAL.test(input);
}

export function digestOf(content: Buffer | Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  if (algorithm !== 'sha256' && algorithm !== 'sha512') throw new RangeError(`unsupported digest algorithm: ${String(algorithm)}`);
  return `${algorithm}:${createHash(algorithm).update(content).digest('hex')}`;
}
