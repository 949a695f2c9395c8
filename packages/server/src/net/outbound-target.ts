// Requests an admin can point anywhere (webhooks, Telegram API base, price files) must not become a way to
// reach this host's own services or the cloud metadata endpoint: loopback, link-local and unspecified
// addresses are refused unless the operator allows local targets. Private LAN ranges stay allowed: a
// receiver on the LAN is a normal set-up.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const LOCAL = new BlockList();
LOCAL.addSubnet('127.0.0.0', 8, 'ipv4');
LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LOCAL.addSubnet('0.0.0.0', 8, 'ipv4');
LOCAL.addAddress('::1', 'ipv6');
LOCAL.addAddress('::', 'ipv6');
LOCAL.addSubnet('fe80::', 10, 'ipv6');

function isLocal(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return LOCAL.check(mapped[1] as string, 'ipv4');
  return LOCAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** null when `url` may be called; else why not, in a sentence for the admin. */
export async function refuseLocalTarget(url: string, allowLocal: boolean): Promise<string | null> {
  if (allowLocal) return null;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return 'the URL is not valid';
  }
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch (error) {
      return `cannot resolve ${host} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    }
  }
  const local = addresses.find(isLocal);
  return local === undefined
    ? null
    : `${host} resolves to ${local}, a loopback or link-local address; set CPAMP_ALLOW_LOCAL_TARGETS=true to allow targets on this host`;
}
