// The servers' response class: adds the request's id to the headers of whichever answer is written. It goes in
// with writeHead's own headers: a header set before writeHead (setHeader) sends Node down its slow path, where it
// copies and checks every header once more — a tenth of a warm manifest GET's time (bench, 64 clients).
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';

type Headers = OutgoingHttpHeaders | OutgoingHttpHeader[];

export class ProxyResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  /** Sent as `x-request-id` with the answer, when set before it is written. */
  requestId: string | undefined;

  override writeHead(statusCode: number, reason?: string | Headers, headers?: Headers): this {
    const id = this.requestId;
    if (id === undefined) return super.writeHead(statusCode, reason as string, headers);
    if (typeof reason === 'string') return super.writeHead(statusCode, reason, withId(headers, id));
    return super.writeHead(statusCode, withId(reason, id));
  }
}

function withId(headers: Headers | undefined, id: string): Headers {
  if (Array.isArray(headers)) return [...headers, 'x-request-id', id] as OutgoingHttpHeader[];
  return { 'x-request-id': id, ...headers };
}

/** Sets the id `res` answers with: in writeHead's headers for a ProxyResponse, with setHeader for any other. */
export function answerWithRequestId(res: ServerResponse, id: string): void {
  if (res instanceof ProxyResponse) res.requestId = id;
  else res.setHeader('x-request-id', id);
}
