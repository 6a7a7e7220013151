/**
 * The playground's browser script (plain ES2020, inlined in the page). It talks to the public API
 * only: `GET /v1/models` to fill the pickers, `POST /v1/chat/completions` with `stream: true`, read
 * through `fetch` + `ReadableStream` and parsed as SSE here. It holds its conversation as any OpenAI
 * client does: each request carries the whole history and no extension field (no `conversation_id`);
 * the gateway recognises the conversation from it and continues the platform session. It reads the
 * `kakehashi` extension fields of the answer for display only: `session` and the platform's ids,
 * `step` (the agent's steps), `title`, `text_replace` (and `text`, the final answer that goes into the
 * history). The optional API key is kept in localStorage and sent as `Authorization: Bearer`.
 */
export const PLAYGROUND_SCRIPT = String.raw`
(function () {
  'use strict';
  var KEY_STORE = 'kakehashi.playground.apiKey';
  var $ = function (id) { return document.getElementById(id); };
  var els = {
    apiKey: $('api-key'), platform: $('platform'), agent: $('agent'), customAgent: $('custom-agent'),
    user: $('user'), log: $('log'), form: $('composer'), message: $('message'), send: $('send'),
    stop: $('stop'), reset: $('new-chat'), status: $('status'), convo: $('conversation-ids')
  };
  var models = [];
  var history = [];
  var ids = {};
  var controller = null;

  try { els.apiKey.value = localStorage.getItem(KEY_STORE) || ''; } catch (e) { /* storage blocked */ }

  function setStatus(text, isError) {
    els.status.textContent = text || '';
    els.status.className = isError ? 'status error' : 'status';
  }

  function headers() {
    var h = { 'content-type': 'application/json' };
    var key = els.apiKey.value.trim();
    if (key) h.authorization = 'Bearer ' + key;
    return h;
  }

  function errorText(status, body) {
    var e = body && body.error;
    var msg = e && e.message ? e.message : 'HTTP ' + status;
    if (status === 401 || status === 403) msg += ' (API キーを確認してください / check the API key)';
    return msg;
  }

  function option(value, label) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    return o;
  }

  function fillAgents() {
    var platform = els.platform.value;
    els.agent.textContent = '';
    models.forEach(function (m) {
      var slash = m.id.indexOf('/');
      var p = slash === -1 ? m.id : m.id.slice(0, slash);
      if (p !== platform) return;
      els.agent.appendChild(option(slash === -1 ? '' : m.id.slice(slash + 1), slash === -1 ? '(既定のエージェント / default)' : m.id.slice(slash + 1)));
    });
    els.agent.disabled = els.agent.options.length === 0;
  }

  function loadModels() {
    setStatus('モデルを読み込み中… / loading models…');
    return fetch('/v1/models', { headers: headers() }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) {
        if (!res.ok) throw new Error(errorText(res.status, body));
        models = (body && body.data) || [];
        var platforms = [];
        models.forEach(function (m) {
          var p = m.id.split('/')[0];
          if (platforms.indexOf(p) === -1) platforms.push(p);
        });
        var previous = els.platform.value;
        els.platform.textContent = '';
        platforms.forEach(function (p) { els.platform.appendChild(option(p, p)); });
        if (platforms.indexOf(previous) !== -1) els.platform.value = previous;
        fillAgents();
        els.send.disabled = platforms.length === 0;
        setStatus(platforms.length ? '' : '設定済みのプラットフォームがありません / no platform is configured', !platforms.length);
      });
    }).catch(function (e) { setStatus(e.message, true); });
  }

  function currentModel() {
    var agent = els.customAgent.value.trim() || els.agent.value;
    return els.platform.value + (agent ? '/' + agent : '');
  }

  function newConversation() {
    history = [];
    ids = {};
    els.log.textContent = '';
    els.convo.textContent = '';
    setStatus('');
  }

  function bubble(role) {
    var wrap = document.createElement('article');
    wrap.className = 'turn ' + role;
    var who = document.createElement('div');
    who.className = 'who';
    who.textContent = role === 'user' ? 'あなた' : currentModel();
    wrap.appendChild(who);
    var parts = { wrap: wrap };
    if (role === 'assistant') {
      parts.steps = document.createElement('ol');
      parts.steps.className = 'steps';
      wrap.appendChild(parts.steps);
    }
    parts.text = document.createElement('div');
    parts.text.className = 'text';
    wrap.appendChild(parts.text);
    if (role === 'assistant') {
      parts.meta = document.createElement('div');
      parts.meta.className = 'meta';
      wrap.appendChild(parts.meta);
    }
    els.log.appendChild(wrap);
    wrap.scrollIntoView({ block: 'end' });
    return parts;
  }

  function showStep(list, step, byId) {
    var li = byId[step.id];
    if (!li) {
      li = document.createElement('li');
      li.appendChild(document.createElement('span')).className = 'mark';
      li.appendChild(document.createElement('span')).className = 'kind';
      li.appendChild(document.createElement('span')).className = 'title';
      byId[step.id] = li;
      list.appendChild(li);
    }
    var ended = step.type === 'step-end';
    var failed = ended && /fail|error|cancel/i.test(step.status || '');
    li.className = ended ? (failed ? 'failed' : 'done') : 'running';
    li.children[0].textContent = ended ? (failed ? '✗' : '✓') : '…';
    li.children[1].textContent = step.kind || 'step';
    if (step.title) li.children[2].textContent = step.title;
  }

  function showIds() {
    var parts = [];
    if (ids.session) parts.push('session: ' + ids.session);
    if (ids.conversation_id) parts.push('conversation_id: ' + ids.conversation_id);
    if (ids.chat_id) parts.push('chat_id: ' + ids.chat_id);
    if (ids.uid) parts.push('uid: ' + ids.uid);
    els.convo.textContent = parts.join('  ·  ');
  }

  function rememberIds(k) {
    ['session', 'conversation_id', 'chat_id', 'uid', 'provider'].forEach(function (name) { if (k[name]) ids[name] = k[name]; });
    showIds();
  }

  // Splits an SSE byte stream (already text) into events; calls onData for each data payload.
  function sseReader(onData, onComment) {
    var buffer = '';
    return function (chunk, flush) {
      buffer += chunk;
      var events = buffer.split(/\r\n\r\n|\n\n|\r\r/);
      buffer = flush ? '' : events.pop();
      events.forEach(function (block) {
        var data = [];
        block.split(/\r\n|\n|\r/).forEach(function (line) {
          if (line === '') return;
          if (line.charAt(0) === ':') { onComment(line.slice(1).trim()); return; }
          var i = line.indexOf(':');
          var field = i === -1 ? line : line.slice(0, i);
          var value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (field === 'data') data.push(value);
        });
        if (data.length) onData(data.join('\n'));
      });
    };
  }

  function send(text) {
    var model = currentModel();
    var body = { model: model, stream: true, stream_options: { include_usage: true }, messages: history.concat([{ role: 'user', content: text }]) };
    var user = els.user.value.trim();
    if (user) body.user = user;

    bubble('user').text.textContent = text;
    var out = bubble('assistant');
    out.wrap.classList.add('streaming');
    var answer = '';
    var steps = {};
    var finished = false;
    var failed = false;
    var meta = [];
    controller = new AbortController();
    els.send.disabled = true;
    els.stop.disabled = false;
    setStatus('送信中… / sending…');

    function onData(data) {
      if (data === '[DONE]') { finished = true; return; }
      var obj;
      try { obj = JSON.parse(data); } catch (e) { return; }
      if (obj.error) {
        failed = true;
        setStatus(obj.error.message || 'error', true);
        out.wrap.classList.add('error');
        return;
      }
      var k = obj.kakehashi || {};
      if (k.provider) rememberIds(k);
      if (k.step) showStep(out.steps, k.step, steps);
      if (k.title) meta.push('title: ' + k.title);
      var choice = obj.choices && obj.choices[0];
      if (choice && choice.delta && typeof choice.delta.content === 'string' && choice.delta.content !== '') {
        answer = k.text_replace ? choice.delta.content : answer + choice.delta.content;
        out.text.textContent = answer;
        setStatus('受信中… / streaming…');
      }
      if (choice && choice.finish_reason) meta.push('finish: ' + (k.finish_reason || choice.finish_reason));
      if (typeof k.text === 'string' && k.text !== answer) { answer = k.text; out.text.textContent = answer; }
      if (obj.usage) meta.push('tokens: ' + obj.usage.prompt_tokens + ' → ' + obj.usage.completion_tokens);
      out.meta.textContent = meta.join('  ·  ');
    }
    function onComment(text) {
      if (text === 'heartbeat' && !answer) setStatus('エージェントが作業中… / the agent is working…');
    }

    fetch('/v1/chat/completions', { method: 'POST', headers: headers(), body: JSON.stringify(body), signal: controller.signal })
      .then(function (res) {
        if (!res.ok) {
          return res.json().catch(function () { return null; }).then(function (b) { throw new Error(errorText(res.status, b)); });
        }
        var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        var feed = sseReader(onData, onComment);
        function pump() {
          return reader.read().then(function (r) {
            if (r.done) { feed('', true); return; }
            feed(r.value, false);
            return pump();
          });
        }
        return pump();
      })
      .then(function () {
        if (!failed) {
          if (!finished) { setStatus('応答が途中で切れました / the answer was cut off', true); }
          else setStatus('');
          history.push({ role: 'user', content: text });
          history.push({ role: 'assistant', content: answer });
        }
      })
      .catch(function (e) {
        if (e.name === 'AbortError') setStatus('中止しました / stopped');
        else { setStatus(e.message, true); out.wrap.classList.add('error'); }
      })
      .then(function () {
        out.wrap.classList.remove('streaming');
        out.wrap.classList.add('complete');
        controller = null;
        els.send.disabled = false;
        els.stop.disabled = true;
        els.message.focus();
      });
  }

  els.form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = els.message.value.trim();
    if (!text || controller) return;
    els.message.value = '';
    send(text);
  });
  els.message.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.isComposing) { e.preventDefault(); els.form.requestSubmit(); }
  });
  els.stop.addEventListener('click', function () { if (controller) controller.abort(); });
  els.reset.addEventListener('click', newConversation);
  els.platform.addEventListener('change', function () { fillAgents(); newConversation(); });
  els.agent.addEventListener('change', newConversation);
  els.apiKey.addEventListener('change', function () {
    try { localStorage.setItem(KEY_STORE, els.apiKey.value.trim()); } catch (e) { /* storage blocked */ }
    loadModels();
  });
  loadModels();
})();
`;
