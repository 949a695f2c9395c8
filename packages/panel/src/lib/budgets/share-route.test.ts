import { describe, expect, it } from 'vitest';
import { shareRouteOf } from './share-route';

const T = 'AbCdEfGhIjKlMnOpQrStU_';
describe('share route', () => {
  it('reads the token from a /share/<token> path or a #/share/<token> hash, with the API beside the panel', () => {
    expect(shareRouteOf({ origin: 'http://h:1', pathname: `/share/${T}`, hash: '' })).toEqual({ token: T, apiUrl: `http://h:1/v0/share/${T}` });
    expect(shareRouteOf({ origin: 'https://x', pathname: `/cpamp/share/${T}`, hash: '' })).toEqual({ token: T, apiUrl: `https://x/cpamp/v0/share/${T}` });
    expect(shareRouteOf({ origin: 'https://x', pathname: '/cpamp/management.html', hash: `#/share/${T}` })).toEqual({ token: T, apiUrl: `https://x/cpamp/v0/share/${T}` });
  });
  it('is null for every other page and for malformed tokens', () => {
    expect(shareRouteOf({ origin: 'http://h', pathname: '/management.html', hash: '#/monitoring' })).toBeNull();
    expect(shareRouteOf({ origin: 'http://h', pathname: '/share/short', hash: '' })).toBeNull();
    expect(shareRouteOf({ origin: 'http://h', pathname: '/management.html', hash: `#/share/${T}x` })).toBeNull();
  });
});
