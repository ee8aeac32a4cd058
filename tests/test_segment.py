"""jieba segmentation and BM25: corpus words kept whole, question words dropped, synonyms added."""

from hypothesis import given, settings, strategies as st

from qa.lexical import BM25
from qa.segment import SYNONYM_WEIGHT, Segmenter

SEG = Segmenter(["明厨亮灶", "市教育体育局", "提升校园安全管理"])


def test_corpus_words_stay_whole():
    tokens = SEG.tokens("推进“明厨亮灶”工作,市教育体育局负责")
    assert "明厨亮灶" in tokens and "市教育体育局" in tokens


def test_question_words_are_dropped():
    tokens = SEG.tokens("谁负责校园欺凌防治?")
    assert "谁" not in tokens and "负责" not in tokens
    assert "欺凌" in tokens and "校园" in tokens


def test_everyday_words_bring_the_documents_words_at_lower_weight():
    terms = SEG.query_terms("孩子被霸凌找谁")
    assert terms["霸凌"] == 1.0
    assert terms["欺凌"] == SYNONYM_WEIGHT
    assert terms["儿童"] == SYNONYM_WEIGHT


def test_bm25_ranks_the_document_with_the_query_words_first():
    docs = ["开展防范中小学生欺凌专项治理行动", "做好残疾儿童保障工作", "严格落实网络游戏账号实名注册制度"]
    bm25 = BM25.fit([SEG.tokens(d) for d in docs])
    scores = bm25.scores(SEG.query_terms("校园欺凌怎么防"))
    assert scores.argmax() == 0 and scores[1] == 0
    assert bm25.scores({"不存在的词": 1.0}).sum() == 0


def test_bm25_survives_a_save_and_load(tmp_path):
    bm25 = BM25.fit([SEG.tokens("网络游戏防沉迷"), SEG.tokens("校园食品安全")])
    bm25.save(tmp_path)
    again = BM25.load(tmp_path)
    assert again.vocab == bm25.vocab
    assert (again.scores({"网络游戏": 1.0}) == bm25.scores({"网络游戏": 1.0})).all()


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_tokenizer_never_raises_on_any_unicode(text):
    assert isinstance(SEG.tokens(text), list)
    assert all(isinstance(w, float) for w in SEG.query_terms(text).values())
