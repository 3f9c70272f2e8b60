import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { answerOutsideHandler, clientErrorAnswer } from './transport.ts';

/** Sends raw bytes and gives everything the server wrote before it closed the connection. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** Status line and the first error's code of a raw answer. */
function parse(answer: string): { status: string; code: string; headers: string } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const code = (JSON.parse(body) as { errors: { code: string }[] }).errors[0]?.code ?? '';
  return { status: head.split('\r\n')[0] ?? '', code, headers: head.toLowerCase() };
}

describe('answers outside the request handler', () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = createServer({ maxHeaderSize: 1024 }, (_req, res) => res.end('handled'));
    answerOutsideHandler(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('a request line the parser refuses: 400 with the spec\'s error JSON, and the connection closed', async () => {
    const answer = parse(await exchange(port, 'NOT HTTP AT ALL\r\n\r\n'));
    assert.equal(answer.status, 'HTTP/1.1 400 Bad Request');
    assert.equal(answer.code, 'UNSUPPORTED');
    assert.match(answer.headers, /content-type: application\/json; charset=utf-8/);
    assert.match(answer.headers, /docker-distribution-api-version: registry\/2\.0/);
    assert.match(answer.headers, /connection: close/);
  });

  it('headers over the size limit: 431', async () => {
    const answer = parse(await exchange(port, `GET /v2/ HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(4096)}\r\n\r\n`));
    assert.equal(answer.status, 'HTTP/1.1 431 Request Header Fields Too Large');
  });

  it('CONNECT: refused as a registry is no forward proxy', async () => {
    const answer = parse(await exchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n'));
    assert.equal(answer.status, 'HTTP/1.1 405 Method Not Allowed');
    assert.equal(answer.code, 'UNSUPPORTED');
  });

  it('an Expect other than 100-continue: 417', async () => {
    const raw = await exchange(port, 'GET /v2/ HTTP/1.1\r\nhost: x\r\nexpect: something-else\r\nconnection: close\r\n\r\n');
    assert.equal(parse(raw).status, 'HTTP/1.1 417 Expectation Failed');
  });

  it('a well-formed request still reaches the handler', async () => {
    assert.match(await exchange(port, 'GET /v2/ HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'), /\r\n\r\nhandled$/);
  });

  it('clientErrorAnswer maps Node\'s parser codes to statuses', () => {
    assert.equal(clientErrorAnswer('HPE_HEADER_OVERFLOW').status, 431);
    assert.equal(clientErrorAnswer('ERR_HTTP_REQUEST_TIMEOUT').status, 408);
    assert.equal(clientErrorAnswer('HPE_INVALID_METHOD').status, 400);
    assert.equal(clientErrorAnswer(undefined).status, 400);
  });
});
