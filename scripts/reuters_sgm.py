"""scripts/reuters_sgm.py - the stories of Reuters-21578's *.sgm files, for
the evaluation scripts (eval_entities.py, eval_relevance.py).

stories(DIR, error) yields (newid, attributes, body) for every <REUTERS>
element with a NEWID in DIR/*.sgm, files in name order; an unreadable
folder or file raises error("PATH: reason").  tags(body, element) gives
the <D> values of one tag element (TOPICS, PLACES, PEOPLE, ORGS), HTML
entities decoded, blanks left out, in file order.
"""
import html
import os
import re

REUTERS_RE = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
NEWID_RE = re.compile(r'\bNEWID="(\d+)"')
D_RE = re.compile(r"<D>(.*?)</D>", re.S)


def stories(directory, error):
    try:
        files = sorted(f for f in os.listdir(directory) if f.endswith(".sgm"))
    except OSError as e:
        raise error("%s: %s" % (directory, e.strerror or e)) from e
    for name in files:
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="latin-1") as f:
                text = f.read()
        except OSError as e:
            raise error("%s: %s" % (path, e.strerror or e)) from e
        for m in REUTERS_RE.finditer(text):
            idm = NEWID_RE.search(m.group(1))
            if idm:
                yield int(idm.group(1)), m.group(1), m.group(2)


def tags(body, element_re):
    em = element_re.search(body)
    found = D_RE.findall(em.group(1)) if em else []
    return [html.unescape(t).strip() for t in found if t.strip()]
