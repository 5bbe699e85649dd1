// rose.js: a small client of the UCServer client protocol (ROSE JSON) over
// the UCWeb session route. It creates a session with the user's credentials
// (POST /ws/client/createsession), opens the session WebSocket, sends
// invokes, matches results/errors/rejects by invoke id and hands events to
// the page. After the socket drops (presenced restarts, network) it creates
// a new session with the same credentials and opens a new socket; the
// credentials live only in this object's memory (never in storage or URLs).

const EVENT_INVOKE_ID = 99999; // events are invokes with this id and no answer
const KEEPALIVE_MS = 20000; // the server closes a silent client after 60 s

// ProtocolError is a ROSE error or reject answer.
export class ProtocolError extends Error {
  constructor(message, detail) {
    super(message);
    this.name = 'ProtocolError';
    this.detail = detail;
  }
}

// unwrap returns the messages of one WebSocket frame: the UCWeb socket sends
// [{...}] (events today, every message once the array rule is complete);
// other paths send a bare {...}. Accept both.
export function unwrap(text) {
  const m = JSON.parse(text);
  return Array.isArray(m) ? m : [m];
}

export class RoseClient {
  // handlers: onEvent(name, argument), onStatus(state, detail),
  // onSession(sessionId, user) after every (re)connect.
  constructor(handlers) {
    this.handlers = handlers;
    this.nextInvokeID = 1;
    this.pending = new Map();
    this.socket = null;
    this.sessionId = null;
    this.credentials = null;
    this.stopped = true;
    this.retryDelay = 500;
    this.keepalive = null;
    this.reconnectTimer = null;
  }

  status(state, detail) {
    this.handlers.onStatus?.(state, detail || '');
  }

  // login creates the first session; it rejects with the server's reason
  // (wrong password) and then does not retry.
  async login(user, password) {
    this.credentials = { user, password };
    this.stopped = false;
    try {
      await this.connect();
    } catch (err) {
      this.stopped = true;
      this.credentials = null;
      clearInterval(this.keepalive);
      if (this.socket) this.socket.close(1000, 'login failed');
      this.socket = null;
      this.sessionId = null;
      throw err;
    }
  }

  logout() {
    this.stopped = true;
    this.credentials = null;
    clearTimeout(this.reconnectTimer);
    if (this.socket) {
      try { this.sendEvent(1001, 'asnLogoff', {}); } catch (_) { /* closing anyway */ }
      this.socket.close(1000, 'logout');
    }
    this.socket = null;
    this.sessionId = null;
  }

  async createSession() {
    const { user, password } = this.credentials;
    const response = await fetch('/ws/client/createsession?clientappid=26', {
      method: 'POST',
      headers: { Authorization: 'Basic ' + basic(user, password) },
      cache: 'no-store',
    });
    let body = {};
    try { body = await response.json(); } catch (_) { /* not JSON: keep {} */ }
    if (!response.ok || !body.sessionid) {
      const text = body.error && body.error.u8sErrorString ? body.error.u8sErrorString : 'HTTP ' + response.status;
      const err = new ProtocolError('login failed: ' + text, body.error && body.error.iErrorDetail);
      err.permanent = response.status === 400; // wrong credentials: retrying does not help
      throw err;
    }
    return body.sessionid;
  }

  async connect() {
    this.status('connecting');
    const sessionId = await this.createSession();
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(scheme + '//' + location.host + '/ws/client/websocket?x-ucsessionid=' + encodeURIComponent(sessionId));
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new ProtocolError('the WebSocket did not open'));
    });
    this.socket = socket;
    this.sessionId = sessionId;
    this.retryDelay = 500;
    socket.onmessage = (e) => this.receive(e.data);
    socket.onerror = () => {};
    socket.onclose = (e) => this.closed(socket, e);
    clearInterval(this.keepalive);
    this.keepalive = setInterval(() => this.sendEvent(1706, 'asnTransportKeepAlive', {}), KEEPALIVE_MS);
    this.status('connected');
    await this.handlers.onSession?.(sessionId);
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    clearInterval(this.keepalive);
    this.socket = null;
    for (const [, p] of this.pending) p.reject(new ProtocolError('connection closed'));
    this.pending.clear();
    if (this.stopped) {
      this.status('disconnected');
      return;
    }
    this.scheduleReconnect('connection lost (' + (event.code || 'no code') + ')');
  }

  scheduleReconnect(why) {
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, 5000);
    this.status('reconnecting', why + '; retrying in ' + (delay / 1000).toFixed(1) + ' s');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(async () => {
      if (this.stopped) return;
      try {
        await this.connect();
      } catch (err) {
        if (err.permanent) {
          this.stopped = true;
          this.status('disconnected', err.message);
          return;
        }
        if (this.socket) this.socket.close();
        this.socket = null;
        this.scheduleReconnect(err.message);
      }
    }, delay);
  }

  send(message) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      throw new ProtocolError('not connected');
    }
    // The UCWeb form: a one-element array.
    this.socket.send(JSON.stringify([message]));
  }

  sendEvent(operationID, operationName, argument) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    this.send({ invoke: { invokeID: EVENT_INVOKE_ID, operationID, operationName, argument } });
  }

  // invoke sends an operation and resolves with its result value.
  invoke(operationName, argument, operationID = 0) {
    const invokeID = this.nextInvokeID++;
    if (this.nextInvokeID >= EVENT_INVOKE_ID) this.nextInvokeID = 1;
    return new Promise((resolve, reject) => {
      this.pending.set(invokeID, { resolve, reject });
      try {
        this.send({ invoke: { invokeID, operationID, operationName, argument } });
      } catch (err) {
        this.pending.delete(invokeID);
        reject(err);
      }
    });
  }

  receive(data) {
    let messages;
    try {
      messages = unwrap(data);
    } catch (err) {
      console.warn('board: not JSON from the server', err);
      return;
    }
    for (const m of messages) this.dispatch(m);
  }

  dispatch(m) {
    if (m.invoke) {
      this.handlers.onEvent?.(m.invoke.operationName, m.invoke.argument || {});
      return;
    }
    if (m.result) {
      const p = this.take(m.result.invokeID);
      p?.resolve((m.result.result && m.result.result.result) || {});
      return;
    }
    if (m.error) {
      const p = this.take(m.error.invokedID);
      const e = m.error.error || {};
      p?.reject(new ProtocolError(e.u8sErrorString || 'error ' + e.iErrorDetail, e.iErrorDetail));
      return;
    }
    if (m.reject) {
      const id = m.reject.invokedID && m.reject.invokedID.invokedID;
      const p = this.take(id);
      const problem = JSON.stringify(m.reject.reject || {});
      p?.reject(new ProtocolError('rejected ' + problem + (m.reject.details ? ': ' + m.reject.details : '')));
    }
  }

  take(id) {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }
}

// basic encodes user:password as UTF-8 base64 for the Basic scheme.
function basic(user, password) {
  const bytes = new TextEncoder().encode(user + ':' + password);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
