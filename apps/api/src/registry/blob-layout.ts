import { parseDigest } from '@berth/oci';

/** Where bytes live in storage: blobs once per digest, uploads per session (distribution's paths.go idea). */
export const BlobLayout = {
  blobData(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return `/blobs/${algorithm}/${hex.slice(0, 2)}/${hex}/data`;
  },
  blobDir(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return `/blobs/${algorithm}/${hex.slice(0, 2)}/${hex}`;
  },
  uploadDir(id: string): string {
    return `/uploads/${id}`;
  },
  uploadData(id: string): string {
    return `/uploads/${id}/data`;
  },
};
