export const PACKAGE_NAME = '@cpamp/store';
