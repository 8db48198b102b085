/** How the core asks "who is this?" at IDENTIFY; the auth/ module supplies JWT and webhook variants. */

/** What a client claimed at IDENTIFY, with what the transport knows about it. */
export interface IdentifyRequest {
  username: string;
  token?: string;
  ip: string;
  origin?: string;
}

/** Who the client is allowed to be. */
export interface AuthenticatedIdentity {
  /** The username to use (from the token when one is required). */
  username: string;
  /** Rooms the peer may join; `null` or absent: any room. */
  rooms?: readonly string[] | null;
  /**
   * When the credentials stop being accepted (ms since the epoch, e.g. a JWT's `exp`); absent: never.
   * A session held for resume cannot be resumed after it.
   */
  expiresAt?: number;
}

/** @deprecated Renamed {@link AuthenticatedIdentity} (the SDK has an `Identity` of its own); kept for one release. */
export type Identity = AuthenticatedIdentity;

/** Resolve an identity or throw `SignalError('UNAUTHORIZED')`. */
export type Authenticator = (request: IdentifyRequest) => Promise<AuthenticatedIdentity>;

/** `--auth none`: the original server's behaviour, anyone may use any free username. */
export const acceptAnyone: Authenticator = async (request) => ({ username: request.username });
