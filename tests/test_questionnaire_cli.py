import subprocess
import sys
from pathlib import Path

import pytest

from assessment import create_app
from assessment.catalogue import InvalidQuestionnaires
from assessment.cli.main import main
from tests.fixtures.mini_catalogue import CEO, FILES, write_catalogue


def test_check_command_accepts_shipped_files(runner):
    result = runner.invoke(args=["questionnaires", "check"])
    assert result.exit_code == 0, result.output
    assert "all questionnaire files are valid" in result.output


def test_check_command_lists_problems_and_exits_1(tmp_path):
    broken = CEO.replace("domain: D2", "domain: D9", 1).replace(
        "fact: mfa_remote_access", "fact: x"
    )
    root = write_catalogue(tmp_path, {**FILES, "ceo/1.0.0.yaml": broken})
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["questionnaires", "check", str(root)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "questionnaires/ceo/1.0.0.yaml:28: unknown domain 'D9'" in lines
    assert any(
        line.startswith("questionnaires/ceo/1.0.0.yaml:") and "unknown fact 'x'" in line
        for line in lines
    )


def test_check_command_works_from_the_console_script_even_with_broken_files(tmp_path):
    root = write_catalogue(tmp_path, {**FILES, "rubric.yaml": "levels: [\n"})
    env_python = sys.executable
    result = subprocess.run(
        [str(Path(env_python).parent / "assessment"), "questionnaires", "check", str(root)],
        capture_output=True,
        text=True,
        check=False,
        env={"ASSESSMENT_QUESTIONNAIRES_PATH": str(root), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stderr
    assert "questionnaires/rubric.yaml:2: YAML syntax error" in result.stdout


def test_app_refuses_to_start_on_invalid_files_and_says_why(tmp_path):
    root = write_catalogue(tmp_path, {**FILES, "ceo/1.0.0.yaml": CEO.replace("D2", "D8", 1)})
    with pytest.raises(InvalidQuestionnaires) as raised:
        create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "SECRET_KEY": "x",
                "QUESTIONNAIRES_PATH": str(root),
            }
        )
    message = str(raised.value)
    assert "will not start" in message
    assert "questionnaires/ceo/1.0.0.yaml:" in message and "unknown domain 'D8'" in message


def test_app_reads_an_edited_file_again(tmp_path):
    root = write_catalogue(tmp_path)
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "SECRET_KEY": "x",
        "QUESTIONNAIRES_PATH": str(root),
    }
    first = create_app(config).extensions["catalogue"]
    (root / "ceo/1.0.0.yaml").write_text(CEO.replace("title: CEO check-in", "title: Renamed"))
    second = create_app(config).extensions["catalogue"]
    assert first.get("ceo", "1.0.0").title == "CEO check-in"
    assert second.get("ceo", "1.0.0").title == "Renamed"
