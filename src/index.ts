/** Public API of the signalroom package. */
export { createServer, attachSignaling } from './server.js';
export type { SignalroomServer, AttachedSignaling, ServerDeps } from './server.js';
export { signalroomRoutes, enabledRoutes } from './http/signalroom-routes.js';
export type { RouteGroup, RoutesSource, SignalroomRoutesOptions } from './http/signalroom-routes.js';
export { signalroomRequestHandler } from './http/request-handler.js';
export type {
  NextFunction,
  RequestHandlerOptions,
  SignalroomRequestHandler,
} from './http/request-handler.js';
export { defineConfig, loadConfig, ConfigError, OPTIONS } from './config.js';
export type { Config } from './config.js';
export { SignalingCore } from './core/signaling-core.js';
export type { CoreOptions, SessionHandle } from './core/signaling-core.js';
export type { Connection, ConnectionInfo } from './core/connection.js';
export type {
  Authenticator,
  AuthenticatedIdentity,
  Identity,
  IdentifyRequest,
} from './core/authenticator.js';
export { SignalError } from './core/signal-error.js';
export { MemoryBackend } from './backend/memory.js';
export type { Backend, JoinOutcome, LocalDelivery, RoomPage, RoomSummary } from './backend/backend.js';
export type { CoreObserver } from './core/core-observer.js';
export { ServerMetrics } from './metrics/server-metrics.js';
export { IceServerIssuer, turnPassword, turnUsername } from './auth/turn.js';
export type { TurnOptions } from './auth/turn.js';
export { BackendUnavailableError } from './backend/backend.js';
export * from '../protocol/index.js';
