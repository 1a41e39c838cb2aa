export {
  type Answer,
  classifyFailure,
  createTransport,
  type OutgoingRequest,
  type Transport,
} from './transport.js'
