export { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './backoff.js'
export { connectDataPlatform, type DataPlatformLink } from './connect.js'
export {
  DATA_PLATFORM_EVENTS,
  deliveryCounts,
  enqueueDelivery,
  listParked,
  requeueParked,
} from './deliveries.js'
export { DataPlatformSink, type SinkOptions } from './sink.js'
