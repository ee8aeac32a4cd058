"""The Gradio chat: question in, cited answer out, each cited item expandable to its full text.

Two layouts from one builder: the full page (examples, unit picker) and a compact
one for the widget's iframe. Callbacks are a few lines around ``service.ask``;
history is kept server-side (``gr.State``) so each event sends only the question.
Anything a user or a document wrote is escaped here before it reaches the page.
(No ``from __future__ import annotations``: Gradio reads ``gr.Request`` / ``gr.SelectData``
annotations at run time to inject them.)
"""

import html
import logging
import time
from pathlib import Path

from qa.answer import md, plain_text
from qa.documents import link
from qa.errors import QAError

log = logging.getLogger("qa.chat")
STATIC = Path(__file__).parent / "static"
FONTS = ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC")  # local fonts only, never a web font
HISTORY = 40  # messages kept per session
HISTORY_CHARS = 60_000  # and their total length: the oldest turns go first
SESSIONS = 1000  # sessions whose history the server keeps (Gradio's default is 10,000)
SESSION_SECONDS = 6 * 3600  # a session's history is dropped this long after its last change
EXAMPLES = 6  # example questions on the full page, drawn afresh from the corpus on every load
SUGGESTIONS = 3  # follow-up buttons under the chat
PLACEHOLDER = "**您好!** 请输入关于政策文件的问题,回答会引用文件原文,并注明出处和责任单位。"


def theme():
    import gradio as gr

    return gr.themes.Default(
        primary_hue="blue", neutral_hue="slate",
        font=[*(gr.themes.Font(name) for name in FONTS), "sans-serif"],
        font_mono=[gr.themes.Font("Noto Sans Mono CJK SC"), "ui-monospace", "monospace"],
    )


def css_paths() -> list[Path]:
    return [STATIC / "chat.css"]


# The page is Chinese, whatever Gradio's template says. A <head> script, not Gradio's `js`
# option: that one is run through `new AsyncFunction`, which our CSP (no unsafe-eval) forbids.
# Page margins live here too: Gradio scopes css_paths rules to inside its `.contain` element.
# The widget's iframe gets its token in the URL fragment (never sent to a server or logged) and
# sends it as X-QA-Token on every request to its own origin: a cross-site frame over plain HTTP
# gets no cookie (SameSite), so the header is its way in.
PAGE_HEAD = r"""<script>document.documentElement.lang = 'zh-CN';
(function () {
  var found = /(?:^#|&)token=([^&]*)/.exec(location.hash), token = null;
  try { token = sessionStorage.getItem('qa-token'); } catch (e) {}
  if (found) {
    token = decodeURIComponent(found[1]);
    try { sessionStorage.setItem('qa-token', token); } catch (e) {}
    history.replaceState(history.state, '', location.pathname + location.search);
  }
  if (!token) { return; }
  var plain = window.fetch;
  window.fetch = function (input, init) {
    var url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.origin !== location.origin) { return plain.call(this, input, init); }
    init = Object.assign({}, init || {});
    var headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
    headers.set('X-QA-Token', token);
    init.headers = headers;
    return plain.call(this, input, init);
  };
})();
// "复制回答": the answer and its citation as plain text. The clipboard API needs a secure context,
// which an intranet http:// address is not, hence the execCommand fallback.
document.addEventListener('click', function (event) {
  var button = event.target.closest && event.target.closest('.qa-copy');
  if (!button) { return; }
  var box = button.closest('.qa-copy-box');
  var lines = box ? Array.prototype.map.call(box.querySelectorAll('.qa-plain > span'), function (s) { return s.textContent; }) : [];
  var text = lines.join('\n').replace(/链接:(\/doc\/\S+)/g, function (m, path) {
    return '链接:' + location.origin + path;
  });
  function fallback() {
    var area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select(); document.execCommand('copy'); area.remove();
  }
  var done = function () { button.textContent = '已复制'; setTimeout(function () { button.textContent = '复制回答'; }, 2000); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { fallback(); done(); });
  } else { fallback(); done(); }
});
// The widget asks through postMessage, so its page (and the conversation) stays loaded.
window.addEventListener('message', function (event) {
  if (window.parent === window || event.source !== window.parent || !event.data) { return; }
  var box = document.querySelector('#qa-question textarea');
  var send = document.querySelector('#qa-send');
  if (!box || !send) { return; }
  if (event.data.type === 'policy-qa:focus') { box.focus(); return; }
  if (event.data.type !== 'policy-qa:ask') { return; }
  box.value = String(event.data.question || '').slice(0, 2000);
  box.dispatchEvent(new Event('input', { bubbles: true }));
  setTimeout(function () { send.click(); }, 50);
});
// Inside the widget, Escape closes its panel (the host page cannot see keys pressed in here).
document.addEventListener('keydown', function (event) {
  if (event.key === 'Escape' && window.parent !== window) {
    window.parent.postMessage({ type: 'policy-qa:close' }, '*');
  }
});
</script>
<style>
@media (max-width: 480px) { .gradio-container .main { padding: 8px !important; } }
.gradio-container .main:has(.qa-compact) { padding: 8px !important; }
</style>"""


def render_reply(answer, copy_text: str = "") -> str:
    """The answer's Markdown, then every cited item as a collapsed <details> block, then "copy"."""
    answer = answer.to_dict() if hasattr(answer, "to_dict") else answer
    results = answer.get("results") or []
    # The sanitiser drops data-* attributes, so the text to copy travels as hidden lines beside the button.
    lines = "".join(f"<span>{html.escape(line)}</span>" for line in copy_text.splitlines())
    copy = (f"<div class=\"qa-copy-box\"><button type=\"button\" class=\"qa-copy\">复制回答</button>"
            f"<div class=\"qa-plain\">{lines}</div></div>") if copy_text else ""
    if not results:
        return "\n\n".join(p for p in [answer["answer"], copy] if p)
    blocks = [render_item(rank, r) for rank, r in enumerate(results, 1)]
    return "\n\n".join([answer["answer"], f"**原文条目**(共 {len(results)} 条,点击展开全文)", *blocks, copy])


def render_item(rank: int, r: dict) -> str:
    """One line of HTML (a blank line would end the Markdown HTML block); all text escaped."""
    e = html.escape
    number = f"第{r['number']}条" if r.get("number") and r["number"][0].isdigit() else (r.get("number") or "")
    path = " › ".join([*r.get("section", []), number] if number else r.get("section", []))
    return ("<details class=\"qa-item\"><summary>"
            f"<span class=\"qa-title\">{rank}. {e(r['title'])}</span> <span class=\"qa-doc\">《{e(r['doc'])}》</span>"
            "</summary>"
            f"<div class=\"qa-path\">位置:{e(path) or '—'}</div>"
            f"<div class=\"qa-units\">{units_html(r)}</div>"
            f"<div class=\"qa-text\">{highlighted(r['text'], r.get('highlights') or [])}</div>"
            f"{source_link(r)}</details>")


def source_link(r: dict) -> str:
    """The item in its whole document, highlighted there; a new tab keeps the conversation."""
    if not r.get("doc_id") or not r.get("id"):
        return ""
    return (f"<a class=\"qa-source\" href=\"{html.escape(link(r['doc_id'], r['id']))}\" target=\"_blank\" "
            f"rel=\"noopener\">在原文中查看「{html.escape(r['title'])}」</a>")


def units_html(r: dict) -> str:
    e = html.escape
    if r.get("lead_units") or r.get("co_units"):
        parts = []
        if r.get("lead_units"):
            parts.append("牵头单位:" + "、".join(e(u) for u in r["lead_units"]))
        if r.get("co_units"):
            parts.append("配合单位:" + "、".join(e(u) for u in r["co_units"]))
        return ";".join(parts)
    if not r.get("units"):
        return "责任单位:文件未列明"
    return "责任单位:" + "、".join(e(u) for u in r["units"])


def highlighted(text: str, highlights: list[str]) -> str:
    """The item text escaped, with the matching sentences wrapped in <mark>."""
    spans = []
    for sentence in highlights:
        sentence = sentence.strip()
        at = text.find(sentence) if sentence else -1
        if at >= 0:
            spans.append((at, at + len(sentence)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue  # overlapping highlights: the first one wins
        out += [html.escape(text[pos:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\r", "").replace("\n", "<br>")


def respond(service, question: str, conversation: str = "") -> tuple[str, list[str], str]:
    """The assistant's message, follow-up suggestions and the conversation id for one question."""
    started = time.perf_counter()
    try:
        answer = service.ask(question, conversation=conversation or "")
        reply = render_reply(answer, plain_text(answer))
        suggestions, conversation = answer.suggestions, answer.conversation or ""
    except QAError as err:
        reply, suggestions = md(str(err)), []
    except Exception as err:  # a bug: one log line with an id, which the user sees too
        from .logs import internal_error_message, unexpected

        reply, suggestions = md(internal_error_message(unexpected(err, "chat"))), []
    log.info("chat %.0fms %s", (time.perf_counter() - started) * 1000, question[:500].replace("\n", " "))
    return reply, suggestions, conversation


def limited(question, limit: int) -> str:
    """The question as it may be stored and shown: at most one character over the limit, so
    the service still says it is too long, but a huge paste never reaches history or the page."""
    question = question if isinstance(question, str) else ""
    return question[:limit + 1].strip()


def shown(question: str, limit: int) -> str:
    return md(question if len(question) <= limit else question[:limit] + "…")


def bounded(history: list) -> list:
    """The last HISTORY messages, fewer if they pass HISTORY_CHARS (the newest turn always stays)."""
    history = history[-HISTORY:]
    total = sum(len(str(m.get("content", ""))) for m in history)
    while total > HISTORY_CHARS and len(history) > 2:
        total -= len(str(history[0].get("content", "")))
        history = history[1:]
    return history


def unit_choices(service) -> list[tuple[str, str]]:
    return [(f"{unit}({n} 项)", unit) for unit, n in service.index.registry.counts()]


def build_chat(service, compact: bool = False):
    """The chat as gr.Blocks; mount it with ``gr.mount_gradio_app`` (see ui.server)."""
    import gradio as gr

    limit = service.settings.max_question_chars if service else 500

    def post(question, history):
        """Show the question at once; the answer follows in the next step.

        The queue accepts whatever a script posts, whatever the textbox allows: the
        question is cut here, before it is stored or echoed."""
        question = limited(question, limit)
        if not question:
            return gr.skip(), gr.skip(), gr.skip(), ""
        history = bounded([*(history or []), {"role": "user", "content": shown(question, limit)}])
        return history, history, "", question

    def answer(pending, history, conversation):
        """The reply; the conversation id stays in this page's session, so follow-ups just work."""
        if not pending:
            return gr.skip(), gr.skip(), gr.skip(), *([gr.skip()] * SUGGESTIONS)
        reply, suggestions, conversation = respond(service, pending, conversation)
        history = bounded([*(history or []), {"role": "assistant", "content": reply}])
        return history, history, conversation, *suggestion_updates(gr, suggestions)

    def first_question(history, conversation, request: gr.Request):
        """The widget passes its data-question as ?q=; answer it when the page opens."""
        question = limited(request.query_params.get("q") or "", limit) if request else ""
        if not question or history:
            return gr.skip(), gr.skip(), gr.skip(), *([gr.skip()] * SUGGESTIONS)
        return answer(question, [{"role": "user", "content": shown(question, limit)}], conversation)

    with gr.Blocks(title="政策问答", fill_height=compact, analytics_enabled=False) as demo:
        history = gr.State([], time_to_live=SESSION_SECONDS)
        pending = gr.State("", time_to_live=SESSION_SECONDS)
        conversation = gr.State("", time_to_live=SESSION_SECONDS)
        if not compact:
            gr.Markdown("# 政策问答\n回答均引自政策文件原文,并注明出处和责任单位;可以接着追问,"
                        "如「那配合单位呢?」「第二条说的是什么?」。", elem_classes="qa-header")
        chatbot = gr.Chatbot(
            label="对话", show_label=False, elem_id="qa-chat", height=400 if compact else "62vh",
            scale=1 if compact else None, layout="bubble",
            sanitize_html=True, render_markdown=True, latex_delimiters=[], allow_tags=False,
            buttons=["copy"], feedback_options=None, placeholder=PLACEHOLDER,
            examples=[{"text": q} for q in service.examples(4)] if compact else None,
        )
        with gr.Row(elem_classes="qa-suggest", elem_id="qa-suggest"):
            suggested = [gr.Button("", size="sm", variant="secondary", visible=False, min_width=0,
                                   elem_classes="qa-suggestion") for _ in range(SUGGESTIONS)]
        with gr.Row(equal_height=True, elem_classes=["qa-ask", "qa-compact"] if compact else "qa-ask"):
            box = gr.Textbox(label="问题", placeholder="输入问题…", show_label=False,
                             container=False, scale=5, min_width=160, max_length=limit, elem_id="qa-question")
            send = gr.Button("提问", variant="primary", scale=1, min_width=72, elem_id="qa-send")
        flow = dict(outputs=[chatbot, history, box, pending], api_visibility="private")
        then = dict(fn=answer, inputs=[pending, history, conversation],
                    outputs=[chatbot, history, conversation, *suggested], api_visibility="private")
        box.submit(post, [box, history], **flow).then(**then)
        send.click(post, [box, history], **flow).then(**then)
        for button in suggested:  # a button's value is its label: the question it asks
            button.click(post, [button, history], **flow).then(**then)
        if compact:
            def pick_example(h, evt: gr.SelectData):
                return post(evt.value["text"], h)

            chatbot.example_select(pick_example, [history], **flow).then(**then)
            demo.load(lambda: gr.update(examples=[{"text": q} for q in service.examples(4)]), None, chatbot,
                      api_visibility="private")
        else:
            examples, picker = _examples_and_units(gr, service, history, flow, then, post)
            # A reload can change the corpus: examples and units are drawn afresh on every page load.
            demo.load(lambda: [gr.update(choices=unit_choices(service)),
                               *(gr.update(value=q, visible=True) for q in _padded(service.examples(EXAMPLES)))],
                      None, [picker, *examples], api_visibility="private")

        def clear():
            return [], "", *suggestion_updates(gr, [])
        chatbot.clear(clear, None, [history, conversation, *suggested], api_visibility="private")
        demo.load(first_question, [history, conversation], [chatbot, history, conversation, *suggested],
                  api_visibility="private")
    demo.queue(default_concurrency_limit=4, max_size=64)
    demo.state_session_capacity = SESSIONS  # read when the app is mounted
    return demo


def suggestion_updates(gr, suggestions: list[str]) -> list:
    shown = list(suggestions)[:SUGGESTIONS]
    return [gr.update(value=q, visible=True) if q else gr.update(value="", visible=False)
            for q in shown + [""] * (SUGGESTIONS - len(shown))]


def _padded(questions: list[str]) -> list[str]:
    return (list(questions) + [""] * EXAMPLES)[:EXAMPLES]


def _examples_and_units(gr, service, history, flow, then, post):
    """Example questions that ask at a click, and a unit picker that lists what a unit does."""
    gr.Markdown("**试试这些问题:**", elem_classes="qa-label")
    buttons = []
    with gr.Row(elem_classes="qa-examples", elem_id="qa-examples"):
        for question in _padded(service.examples(EXAMPLES)):
            button = gr.Button(question, size="sm", variant="secondary", min_width=120, visible=bool(question))
            button.click(post, [button, history], **flow).then(**then)
            buttons.append(button)
    picker = gr.Dropdown(choices=unit_choices(service), value=None, label="按责任单位查看工作",
                         info="选择一个单位,列出它负责的全部工作", filterable=True, elem_id="qa-units")
    picker.input(lambda unit, h: post(f"{unit}负责哪些工作?" if unit else "", h), [picker, history],
                 **flow).then(**then)
    return buttons, picker
