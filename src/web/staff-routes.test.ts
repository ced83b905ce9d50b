import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { flashNotice, seeOther } from './staff-routes.ts';

/** A bare Fastify app with the one request property the helpers read besides the query. */
async function appWith(basePath: string) {
  const app = Fastify();
  app.decorateRequest('basePath', '');
  app.addHook('onRequest', async (request) => {
    request.basePath = basePath;
  });
  const notices = { saved: 'The settings have been saved' };
  app.get('/flash', async (request) => ({ notice: flashNotice(request, notices) ?? null }));
  app.post('/go', async (request, reply) => {
    const { path, fragment } = request.query as { path: string; fragment?: string };
    return seeOther(request, reply, path, { done: 'saved' }, fragment);
  });
  await app.ready();
  return app;
}

describe('staff route helpers', () => {
  it('shows the notice a redirect named, and nothing for an unknown or inherited key', async () => {
    const app = await appWith('');
    const notice = async (query: string) => (await app.inject(`/flash${query}`)).json().notice;
    assert.equal(await notice('?done=saved'), 'The settings have been saved');
    assert.equal(await notice('?done=nope'), null);
    assert.equal(await notice('?done=constructor'), null);
    assert.equal(await notice('?done=saved&done=saved'), null);
    assert.equal(await notice(''), null);
    await app.close();
  });

  it('redirects with 303 under the council prefix, adding to a query the path already has', async () => {
    const app = await appWith('/c/vale');
    const go = async (path: string, fragment?: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/go',
        query: { path, ...(fragment ? { fragment } : {}) },
      });
      return [res.statusCode, res.headers.location];
    };
    assert.deepEqual(await go('/staff/inbox/settings'), [303, '/c/vale/staff/inbox/settings?done=saved']);
    assert.deepEqual(await go('/staff/inbox?teamId=t1'), [303, '/c/vale/staff/inbox?teamId=t1&done=saved']);
    assert.deepEqual(await go('/staff/meetings/m1/moderation', '#question-q1'), [
      303,
      '/c/vale/staff/meetings/m1/moderation?done=saved#question-q1',
    ]);
    await app.close();
  });
});
