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
    from qa.index import background_statements
    from qa.segment import corpus_synonyms, load_synonyms
    from qa.units import corpus_aliases, load_aliases

    write_lexicon(tmp_path)
    assert corpus_synonyms(tmp_path) == {"戏水": ["溺水"], "霸凌": ["欺侮"]}
    merged = load_synonyms(corpus_synonyms(tmp_path))
    assert merged["戏水"] == ["溺水"] and merged["霸凌"][0] == "欺凌" and "欺侮" in merged["霸凌"]
    assert corpus_aliases(tmp_path) == {"民政口": ["县民政局"]}
    assert load_aliases(corpus_aliases(tmp_path))["民政口"] == ["县民政局"]
    assert background_statements(tmp_path)[-1] == "明天会下雨吗?"
    assert "明天会下雨吗?" not in background_statements()


def test_an_empty_corpus_lexicon_changes_nothing(tmp_path):
    from qa.segment import corpus_synonyms, load_synonyms
    from qa.units import corpus_aliases

    assert corpus_synonyms(tmp_path) == {} and corpus_aliases(tmp_path) == {}
    assert load_synonyms({}) == load_synonyms()


def test_a_changed_word_table_changes_the_corpus_hashes(tmp_path):
    from qa.index import lexicon_hashes

    write_lexicon(tmp_path)
    before = lexicon_hashes(tmp_path)
    assert set(before) == {"lexicon/synonyms.tsv", "lexicon/unit_aliases.tsv", "lexicon/background.txt"}
    (tmp_path / "lexicon" / "synonyms.tsv").write_text("戏水\t溺水\n玩水\t溺水\n", encoding="utf-8")
    assert lexicon_hashes(tmp_path)["lexicon/synonyms.tsv"] != before["lexicon/synonyms.tsv"]
