/**
 * The archive upload of an import: the one request the console sends with XMLHttpRequest, because fetch
 * cannot report upload progress. Same answer and error shapes as client.ts.
 */
import { ApiError, CSRF_HEADER, csrfToken, type ApiErrorBody } from './client';
import type { ImportJob } from './types';

export interface ImportOptions {
  /** Repository for images the archive does not name (relative to the project, or full). */
  repository?: string;
  /** Tag for images the archive does not name. */
  tag?: string;
  /** Use repository/tag only for images the archive does not name (not to rename a one-image archive's image). */
  onlyUnnamed?: boolean;
}

export interface UploadProgress {
  sent: number;
  total: number;
}

/** The import route of a project, with its query. */
export function importUrl(project: string, options: ImportOptions = {}): string {
  const query = new URLSearchParams();
  if (options.repository?.trim()) query.set('repository', options.repository.trim());
  if (options.tag?.trim()) query.set('tag', options.tag.trim());
  if (options.onlyUnnamed) query.set('only_unnamed', 'true');
  const qs = query.toString();
  return `/api/v1/projects/${encodeURIComponent(project)}/imports${qs ? `?${qs}` : ''}`;
}

/**
 * POSTs `file` as the body of a new import and resolves with the job the server answers (202, once it
 * has read the whole upload). Rejects with ApiError for an error answer, TypeError for a network failure,
 * and a DOMException AbortError when `signal` aborts.
 */
export function uploadArchive(project: string, file: Blob, options: ImportOptions, onProgress: (progress: UploadProgress) => void, signal?: AbortSignal): Promise<ImportJob> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', importUrl(project, options));
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    // The server recognises gzip, zstd and tar by their bytes, whatever the file is called.
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    const token = csrfToken();
    if (token) xhr.setRequestHeader(CSRF_HEADER, token);
    xhr.upload.onprogress = (event) => onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : file.size });
    xhr.onload = () => {
      let json: unknown;
      try {
        json = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        json = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress({ sent: file.size, total: file.size });
        resolve(json as ImportJob);
      } else reject(new ApiError(xhr.status, json as ApiErrorBody | undefined));
    };
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
