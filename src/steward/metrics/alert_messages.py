"""Alert messages in the formats of the IM group bots (no Django): Feishu (Lark) custom bot,
DingTalk robot and WeCom (企业微信) group robot. Each takes a title, the lines of the message and
a link to the alert, and gives the JSON body to POST to the bot's webhook URL.

- Feishu: ``{"msg_type": "post", "content": {"post": {"zh_cn": {"title", "content": [[…]]}}}}``
  — one paragraph per line, the link as an ``a`` element.
- DingTalk: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``.
- WeCom: ``{"msgtype": "markdown", "markdown": {"content"}}`` (at most 4,096 bytes).
"""

from __future__ import annotations

from collections.abc import Sequence

WECOM_MAX_BYTES = 4096
KINDS = ("feishu", "dingtalk", "wecom")


def _md_escape(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def payload(kind: str, title: str, lines: Sequence[str], url: str, link_text: str) -> dict:
    if kind == "feishu":
        content = [[{"tag": "text", "text": line}] for line in lines]
        if url:
            content.append([{"tag": "a", "text": link_text, "href": url}])
        return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": title, "content": content}}}}
    body = "\n".join(f"> {_md_escape(line)}" if i else _md_escape(line) for i, line in enumerate(lines))
    link = f"\n\n[{_md_escape(link_text)}]({url})" if url else ""
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {_md_escape(title)}\n\n{body}{link}"}}
    if kind == "wecom":
        text = f"**{_md_escape(title)}**\n{body}{link}"
        while len(text.encode()) > WECOM_MAX_BYTES:  # cut the lines, never the link
            body = body[: max(0, len(body) - 200)]
            text = f"**{_md_escape(title)}**\n{body}…{link}"
        return {"msgtype": "markdown", "markdown": {"content": text}}
    raise ValueError(f"unknown bot kind {kind!r}; known: {', '.join(KINDS)}")
