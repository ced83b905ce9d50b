export { InstagramConnector, instagramLimits, type InstagramConfig } from './instagram.connector.ts';
export { instagramReplyTarget, mapInstagramEnvelope } from './instagram.mapper.ts';
