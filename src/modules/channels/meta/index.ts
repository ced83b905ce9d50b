/** The Meta base shared by the Facebook Page and Instagram adapters (and Graph helpers). */
export {
  GraphClient,
  classifyGraphError,
  type GraphConfig,
  type GraphErrorBody,
  type GraphId,
  type GraphParams,
} from './graph-client.ts';
export {
  answerVerifyHandshake,
  handleMetaWebhook,
  header,
  safeEqual,
  signGraphBody,
  verifyGraphSignature,
  type MetaWebhookSecrets,
} from './webhook.ts';
export {
  graphTime,
  isMalformed,
  isRecord,
  mapMessagingEvent,
  mapMetaEnvelope,
  metaReplyTarget,
  parseEnvelope,
  str,
  type ChangeMapper,
  type GraphEntry,
  type GraphEnvelope,
} from './inbound.ts';
export { MetaConnector, type MetaConfig, type PrivateReply } from './meta.connector.ts';
export { graphAccessConfig, graphAccessFields, verifyTokenField } from './definition.ts';
