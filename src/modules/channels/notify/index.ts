export {
  NotifyConnector,
  notifyLimits,
  notifySmsMaxLength,
  classifyNotifyError,
  isUkMobile,
  type NotifyConfig,
} from './notify.connector.ts';
export {
  mapDeliveryReceipt,
  mapInboundSms,
  type DeliveryReceipt,
  type DeliveryStatus,
} from './notify.mapper.ts';
