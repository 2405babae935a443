import { DEFAULT_ERROR_MESSAGES, ERROR_STATUS, OciErrors, REGISTRY_ERROR_CODES, RegistryError, errorEnvelope, isRegistryError } from './errors';

describe('RegistryError', () => {
  it('defaults message and status from the code', () => {
    const error = new RegistryError('BLOB_UNKNOWN');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RegistryError');
    expect(error.code).toBe('BLOB_UNKNOWN');
    expect(error.status).toBe(404);
    expect(error.message).toBe('blob unknown to registry');
    expect(error.detail).toBeUndefined();
  });

  it('takes a message, detail, status override and cause', () => {
    const cause = new Error('disk');
    const error = new RegistryError('UNSUPPORTED', 'media type not supported', { detail: { mediaType: 'x/y' }, status: 415, cause });
    expect(error.status).toBe(415);
    expect(error.message).toBe('media type not supported');
    expect(error.detail).toEqual({ mediaType: 'x/y' });
    expect(error.cause).toBe(cause);
  });

  it('serialises to an envelope entry', () => {
    expect(JSON.parse(JSON.stringify(new RegistryError('DENIED', 'no', { detail: [1] })))).toEqual({ code: 'DENIED', message: 'no', detail: [1] });
  });

  it('is recognised by isRegistryError only', () => {
    expect(isRegistryError(new RegistryError('DENIED'))).toBe(true);
    expect(isRegistryError(new Error('DENIED'))).toBe(false);
    expect(isRegistryError({ code: 'DENIED', status: 403 })).toBe(false);
  });
});

describe('error table', () => {
  it.each([
    ['BLOB_UNKNOWN', 404],
    ['BLOB_UPLOAD_INVALID', 400],
    ['BLOB_UPLOAD_UNKNOWN', 404],
    ['DIGEST_INVALID', 400],
    ['MANIFEST_BLOB_UNKNOWN', 400],
    ['MANIFEST_INVALID', 400],
    ['MANIFEST_UNKNOWN', 404],
    ['NAME_INVALID', 400],
    ['NAME_UNKNOWN', 404],
    ['SIZE_INVALID', 400],
    ['UNAUTHORIZED', 401],
    ['DENIED', 403],
    ['UNSUPPORTED', 405],
    ['TOOMANYREQUESTS', 429],
  ] as const)('%s answers %i', (code, status) => {
    expect(ERROR_STATUS[code]).toBe(status);
    expect(new RegistryError(code).status).toBe(status);
  });

  it('covers the fourteen spec codes plus UNKNOWN and UNAVAILABLE for server failures, each with a message', () => {
    expect(REGISTRY_ERROR_CODES).toHaveLength(16);
    expect(ERROR_STATUS.UNKNOWN).toBe(500);
    expect(ERROR_STATUS.UNAVAILABLE).toBe(503);
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...REGISTRY_ERROR_CODES].sort());
    for (const code of REGISTRY_ERROR_CODES) expect(DEFAULT_ERROR_MESSAGES[code]).toMatch(/\S/);
  });
});

describe('OciErrors', () => {
  it.each([
    ['blobUnknown', 'BLOB_UNKNOWN', 404],
    ['blobUploadInvalid', 'BLOB_UPLOAD_INVALID', 400],
    ['blobUploadUnknown', 'BLOB_UPLOAD_UNKNOWN', 404],
    ['digestInvalid', 'DIGEST_INVALID', 400],
    ['manifestBlobUnknown', 'MANIFEST_BLOB_UNKNOWN', 400],
    ['manifestInvalid', 'MANIFEST_INVALID', 400],
    ['manifestUnknown', 'MANIFEST_UNKNOWN', 404],
    ['nameInvalid', 'NAME_INVALID', 400],
    ['nameUnknown', 'NAME_UNKNOWN', 404],
    ['sizeInvalid', 'SIZE_INVALID', 400],
    ['unauthorized', 'UNAUTHORIZED', 401],
    ['denied', 'DENIED', 403],
    ['unsupported', 'UNSUPPORTED', 405],
    ['tooManyRequests', 'TOOMANYREQUESTS', 429],
    ['rangeInvalid', 'BLOB_UPLOAD_INVALID', 416],
    ['storageFull', 'UNAVAILABLE', 507],
  ] as const)('%s builds %s with status %i', (factory, code, status) => {
    const error = OciErrors[factory]();
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.message).toMatch(/\S/);
  });

  it('passes message and detail through and honours a status override', () => {
    const error = OciErrors.unsupported('manifest media type not supported', { mediaType: 'a/b' }, { status: 415 });
    expect(error.message).toBe('manifest media type not supported');
    expect(error.detail).toEqual({ mediaType: 'a/b' });
    expect(error.status).toBe(415);
  });

  it('lets rangeInvalid keep 416 unless overridden', () => {
    expect(OciErrors.rangeInvalid('chunk out of order').status).toBe(416);
    expect(OciErrors.rangeInvalid(undefined, undefined, { status: 400 }).status).toBe(400);
    expect(OciErrors.rangeInvalid().message).toMatch(/range/);
  });
});

describe('errorEnvelope', () => {
  it('wraps errors in the OCI envelope, omitting absent detail', () => {
    const envelope = errorEnvelope([OciErrors.blobUnknown(undefined, { digest: 'sha256:x' }), OciErrors.denied('go away')]);
    expect(envelope).toEqual({
      errors: [
        { code: 'BLOB_UNKNOWN', message: 'blob unknown to registry', detail: { digest: 'sha256:x' } },
        { code: 'DENIED', message: 'go away' },
      ],
    });
    expect('detail' in envelope.errors[1]).toBe(false);
  });

  it('accepts a single error and an empty list', () => {
    expect(errorEnvelope(OciErrors.nameUnknown())).toEqual({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
    expect(errorEnvelope([])).toEqual({ errors: [] });
  });

  it('keeps falsy but present details', () => {
    expect(errorEnvelope([OciErrors.sizeInvalid('bad', 0)]).errors[0]).toEqual({ code: 'SIZE_INVALID', message: 'bad', detail: 0 });
  });
});
