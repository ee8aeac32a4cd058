"""The corpus's own word tables (<corpus>/lexicon/): read beside the package's, never as documents."""

from __future__ import annotations


def write_lexicon(corpus):
    lexicon = corpus / "lexicon"
    lexicon.mkdir(parents=True)
    (corpus / "plan.txt").write_text("一、总则\n1.测试条目。（县民政局负责）", encoding="utf-8")
    (lexicon / "synonyms.tsv").write_text("# 注释\n戏水\t溺水\n霸凌\t欺侮\n", encoding="utf-8")
    (lexicon / "unit_aliases.tsv").write_text("民政口\t县民政局\n", encoding="utf-8")
    (lexicon / "background.txt").write_text("明天会下雨吗?\n", encoding="utf-8")


def test_lexicon_files_are_not_documents(tmp_path):
    from qa.read import corpus_files

    write_lexicon(tmp_path)
    assert [p.name for p in corpus_files(tmp_path)] == ["plan.txt"]


def test_corpus_tables_extend_the_packages(tmp_path):
    from qa import lexicon

    write_lexicon(tmp_path)
    package, merged = lexicon.package(), lexicon.load(tmp_path)
    assert merged.synonyms["戏水"] == ["溺水"] and "欺侮" in merged.synonyms["霸凌"]
    assert set(package.synonyms["霸凌"]) <= set(merged.synonyms["霸凌"])  # the package's words stay
    assert merged.unit_aliases["民政口"] == ["县民政局"]
    assert "明天会下雨吗?" in merged.background and "明天会下雨吗?" not in package.background


def test_an_empty_corpus_lexicon_changes_nothing(tmp_path):
    from qa import lexicon

    assert lexicon.load(tmp_path).digest() == lexicon.package().digest()


def test_a_changed_word_table_changes_the_lexicon_digest(tmp_path):
    from qa import lexicon

    write_lexicon(tmp_path)
    before = lexicon.load(tmp_path).digest()
    (tmp_path / "lexicon" / "synonyms.tsv").write_text("戏水\t溺水\n玩水\t溺水\n", encoding="utf-8")
    assert lexicon.load(tmp_path).digest() != before
