export const PACKAGE_NAME = '@cpamp/sdk-cpa';
