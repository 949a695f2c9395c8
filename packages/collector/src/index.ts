export const PACKAGE_NAME = '@cpamp/collector';
