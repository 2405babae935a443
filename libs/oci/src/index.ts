export * from './errors';
export * from './digest';
export * from './names';
export * from './media-types';
export * from './platform';
export { parseDescriptor, type Descriptor } from './descriptor';
export * from './manifest';
export * from './negotiation';
export * from './routes';
