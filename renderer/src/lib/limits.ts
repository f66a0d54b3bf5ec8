/**
 * Input lengths capped in the form (maxLength) before anything reaches the core: a 5 MB paste is
 * cut by the browser instead of being filtered, rendered and sent. Read from the contract's own
 * schemas where they state a maximum, so the form and the edge agree.
 */
import { ContainerName, HeaderPair, ProfileName, Token, WebtaskName } from '../../../common/contract';

export const MAX = {
  containerName: ContainerName.maxLength ?? 128,
  webtaskName: WebtaskName.maxLength ?? 128,
  profileName: ProfileName.maxLength ?? 80,
  token: Token.maxLength ?? 16_384,
  url: 2048,
  path: 2048,
  filePath: 4096,
  /** Search boxes and filters: nothing longer can match a name. */
  search: 128,
  headerName: HeaderPair.shape.name.maxLength ?? 256,
  headerValue: HeaderPair.shape.value.maxLength ?? 8192,
  cron: 256,
  tz: 64,
  checkpoint: 64,
  body: 5 * 1024 * 1024,
} as const;
