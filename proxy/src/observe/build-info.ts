// The proxy's own version, for its build_info metric and --version (how a package finds it: @berth/contracts).
import { packageVersion } from '@berth/contracts/build-info';

export const proxyVersion = (): string => packageVersion('@berth/proxy', import.meta.url);
