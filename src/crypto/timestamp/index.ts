// RFC 3161 time-stamps: a TSA (the hub's), the client side, and checking tokens.
export { TimestampAuthority, type TimestampAuthorityOptions } from './authority';
export {
  readTstInfo,
  timestampQueryType,
  timestampReplyType,
  timestampRequest,
  tokenOfResponse,
  type TimestampFacts,
} from './tsp';
export { requestTimestamp, verifyTimestampToken, type TimestampCheck, type VerifiedTimestamp } from './verify';
