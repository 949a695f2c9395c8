export const PACKAGE_NAME = '@cpamp/server';
