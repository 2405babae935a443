export * from './archive-error';
export * from './sniff';
export * from './member-names';
export * from './contents';
export * from './plan';
export * from './targets';
export { gzipMediaTypeFor, REF_NAME_ANNOTATION, CONTAINERD_NAME_ANNOTATION } from './oci-layout';
