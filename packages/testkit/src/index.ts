export const PACKAGE_NAME = '@cpamp/testkit';
