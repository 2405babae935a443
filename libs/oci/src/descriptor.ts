import { parseDigest } from './digest';
import { RegistryError } from './errors';
import { isValidMediaType } from './media-types';
import type { Platform } from './platform';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: Platform;
}

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A MANIFEST_INVALID whose detail names the offending part, so a client can find it in its document. */
export function manifestInvalid(where: string, problem: string, extra: JsonObject = {}): RegistryError {
  return new RegistryError('MANIFEST_INVALID', `invalid manifest: ${where} ${problem}`, { detail: { ...extra, field: where } });
}

export function readMediaType(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw manifestInvalid(where, 'must be a non-empty string');
  if (!isValidMediaType(value)) throw manifestInvalid(where, 'is not a valid media type', { mediaType: value.slice(0, 256) });
  return value;
}

export function readAnnotations(value: unknown, where: string): Record<string, string> {
  if (!isJsonObject(value)) throw manifestInvalid(where, 'must be an object of string values');
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw manifestInvalid(`${where}["${key.slice(0, 128)}"]`, 'must be a string');
  }
  return { ...(value as Record<string, string>) };
}

function readStringArray(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw manifestInvalid(where, 'must be an array of strings');
  value.forEach((entry, i) => {
    if (typeof entry !== 'string' || entry === '') throw manifestInvalid(`${where}[${i}]`, 'must be a non-empty string');
  });
  return [...(value as string[])];
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw manifestInvalid(where, 'must be a string');
  return value;
}

export function readPlatform(value: unknown, where: string): Platform {
  if (!isJsonObject(value)) throw manifestInvalid(where, 'must be an object');
  const os = value.os;
  const architecture = value.architecture;
  if (typeof os !== 'string' || os === '') throw manifestInvalid(`${where}.os`, 'must be a non-empty string');
  if (typeof architecture !== 'string' || architecture === '') {
    throw manifestInvalid(`${where}.architecture`, 'must be a non-empty string');
  }
  const platform: Platform = { os, architecture };
  const variant = optionalString(value.variant, `${where}.variant`);
  if (variant !== undefined) platform.variant = variant;
  const osVersion = optionalString(value['os.version'], `${where}.os.version`);
  if (osVersion !== undefined) platform['os.version'] = osVersion;
  if (value['os.features'] !== undefined) platform['os.features'] = readStringArray(value['os.features'], `${where}.os.features`);
  return platform;
}

/**
 * Validates one descriptor; `where` (e.g. `layers[2]`) names it in the message and in `detail.descriptor`.
 * Unknown fields are dropped (the caller keeps the raw document).
 */
export function parseDescriptor(value: unknown, where: string): Descriptor {
  try {
    return readDescriptor(value, where);
  } catch (error) {
    if (!(error instanceof RegistryError) || !isJsonObject(error.detail)) throw error;
    throw new RegistryError(error.code, error.message, { detail: { descriptor: where, ...error.detail } });
  }
}

function readDescriptor(value: unknown, where: string): Descriptor {
  if (!isJsonObject(value)) throw manifestInvalid(where, 'must be a descriptor object');
  const mediaType = readMediaType(value.mediaType, `${where}.mediaType`);

  const digest = value.digest;
  if (typeof digest !== 'string') throw manifestInvalid(`${where}.digest`, 'must be a string');
  try {
    parseDigest(digest);
  } catch (error) {
    const reason = error instanceof RegistryError ? error.message : 'is not a valid digest';
    throw manifestInvalid(`${where}.digest`, `is invalid (${reason})`, { digest: digest.slice(0, 256) });
  }

  const size = value.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw manifestInvalid(`${where}.size`, 'must be a non-negative integer');
  }

  const descriptor: Descriptor = { mediaType, digest, size };
  if (value.urls !== undefined) descriptor.urls = readStringArray(value.urls, `${where}.urls`);
  if (value.annotations !== undefined) descriptor.annotations = readAnnotations(value.annotations, `${where}.annotations`);
  if (value.artifactType !== undefined) descriptor.artifactType = readMediaType(value.artifactType, `${where}.artifactType`);
  if (value.platform !== undefined) descriptor.platform = readPlatform(value.platform, `${where}.platform`);
  // Embedded content is base64 per the image spec; we keep only the type check, consumers verify it.
  if (value.data !== undefined && typeof value.data !== 'string') throw manifestInvalid(`${where}.data`, 'must be a base64 string');
  return descriptor;
}
