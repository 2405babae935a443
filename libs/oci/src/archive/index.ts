// The archive code the API uses; the rest stays internal to libs/oci.
export { ArchiveError } from './archive-error';
export { describeHead, describeKind, isArchiveKind, SNIFF_BYTES, sniffContent, type ContentKind } from './sniff';
export { classifyMember, clip, layoutBlobPath, normalizeMemberName, resolveLinkTarget, unexpectedMember } from './member-names';
export { MAX_JSON_MEMBER_BYTES, type ArchiveContents, type ArchiveLink, type ArchiveMember } from './contents';
export { buildImportPlan, type ImportPlan, type PlannedBlob, type PlannedImage, type PlannedManifest } from './plan';
export { applyUserNames, defaultsUnused, proposeTargets, readUserTarget, type ImageTarget, type ProposedTargets } from './targets';
