// The operator's API: both kinds' types and the group's names.
export * from './conditions.ts';
export * from './group.ts';
export * from './registry-endpoint.ts';
export * from './proxy-cache-project.ts';
