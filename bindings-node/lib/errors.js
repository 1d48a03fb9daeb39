'use strict'
// Native error payloads (src/errors.rs) -> ProcoreError subclasses, one per core code.

const { native } = require('./native')

// ---------------------------------------------------------------------------------------------
// Errors (src/errors.rs encodes the core error as a tagged JSON message)

const PAYLOAD_PREFIX = '__procore_error__:'

// The core's stable codes (one source: procore::Error::CODES).
const ERROR_CODES = Object.freeze(native.errorCodes())

class ProcoreError extends Error {
  constructor(payload) {
    super(payload.message)
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, writable: true })
    this.code = payload.code
    this.status = payload.status ?? null
    this.requestId = payload.requestId ?? null
    this.body = payload.body ?? null
  }
}

class UnauthorizedError extends ProcoreError {}
class ReauthorizationRequiredError extends ProcoreError {}
class ForbiddenError extends ProcoreError {}
class AppNotConnectedError extends ProcoreError {}
class NotFoundError extends ProcoreError {}
/** An error that names fields: `errors` maps each to its messages. */
class FieldErrors extends ProcoreError {
  constructor(payload) {
    super(payload)
    this.errors = payload.validationErrors ?? {}
  }
}
class ValidationError extends FieldErrors {}
class BadRequestError extends ProcoreError {}
class RateLimitedError extends ProcoreError {
  constructor(payload) {
    super(payload)
    this.retryAt = payload.retryAtMs == null ? null : new Date(payload.retryAtMs)
  }
}
class ServerError extends ProcoreError {
  constructor(payload) {
    super(payload)
    this.retryAt = payload.retryAtMs == null ? null : new Date(payload.retryAtMs)
  }
}
class HttpError extends ProcoreError {}
class TimeoutError extends ProcoreError {}
class NetworkError extends ProcoreError {}
class ConfigError extends ProcoreError {}
class DecodeError extends ProcoreError {}
class OAuthError extends ProcoreError {
  constructor(payload) {
    super(payload)
    this.oauthError = payload.oauthError ?? null
  }
}
class StoreError extends ProcoreError {}
class StateMismatchError extends ProcoreError {}
class InvalidCallError extends FieldErrors {}
class UploadError extends ProcoreError {
  constructor(payload) {
    super(payload)
    const u = payload.upload || {}
    this.uploadId = u.uploadId ?? null
    this.segment = u.segment ?? null
    this.segments = u.segments ?? null
    this.attempts = u.attempts ?? null
  }
}

const ERROR_CLASSES = {
  unauthorized: UnauthorizedError,
  reauthorization_required: ReauthorizationRequiredError,
  forbidden: ForbiddenError,
  app_not_connected: AppNotConnectedError,
  not_found: NotFoundError,
  validation: ValidationError,
  bad_request: BadRequestError,
  rate_limited: RateLimitedError,
  server: ServerError,
  http: HttpError,
  timeout: TimeoutError,
  network: NetworkError,
  config: ConfigError,
  decode: DecodeError,
  oauth: OAuthError,
  store: StoreError,
  state_mismatch: StateMismatchError,
  invalid_call: InvalidCallError,
  upload: UploadError,
}

/** A native error as a ProcoreError subclass (anything else is returned unchanged). */
function convertError(e) {
  if (e && typeof e.message === 'string' && e.message.startsWith(PAYLOAD_PREFIX)) {
    let payload
    try {
      payload = JSON.parse(e.message.slice(PAYLOAD_PREFIX.length))
    } catch {
      return e
    }
    const Cls = ERROR_CLASSES[payload.code] || ProcoreError
    return new Cls(payload)
  }
  return e
}

function isProcoreError(e) {
  return e instanceof ProcoreError
}

function sync(fn) {
  try {
    return fn()
  } catch (e) {
    throw convertError(e)
  }
}

async function settle(promise) {
  try {
    return await promise
  } catch (e) {
    throw convertError(e)
  }
}

function configError(message) {
  return new ConfigError({ code: 'config', message: `configuration error: ${message}` })
}

module.exports = {
  ERROR_CODES,
  ERROR_CLASSES,
  ProcoreError,
  UnauthorizedError,
  ReauthorizationRequiredError,
  ForbiddenError,
  AppNotConnectedError,
  NotFoundError,
  ValidationError,
  BadRequestError,
  RateLimitedError,
  ServerError,
  HttpError,
  TimeoutError,
  NetworkError,
  ConfigError,
  DecodeError,
  OAuthError,
  StoreError,
  StateMismatchError,
  InvalidCallError,
  UploadError,
  convertError,
  isProcoreError,
  sync,
  settle,
  configError,
}
