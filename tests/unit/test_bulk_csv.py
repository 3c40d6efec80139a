"""The CSV of a Bulk API 2.0 upload and of its results files (`connector.clients.salesforce_bulk`).

Bulk API 2.0 leaves a field as it is for an empty value and sets it to null for `#N/A`
(https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_csv_valid_record_rows.htm).
"""

from connector.clients.salesforce_bulk import from_csv, row_error, to_csv
from connector.salesforce.errors import ApiErrorDetail


def test_the_header_is_every_column_any_row_names_in_first_seen_order():
    csv_bytes = to_csv([{"A": "1", "B": "2"}, {"C": "3", "A": "4"}])

    assert csv_bytes.decode().splitlines()[0] == "A,B,C"


def test_a_column_a_row_lacks_is_empty_so_salesforce_leaves_that_field_alone():
    csv_bytes = to_csv([{"A": "1", "B": "2"}, {"A": "3"}])

    assert csv_bytes.decode().splitlines()[2] == "3,"


def test_none_is_written_as_na_so_salesforce_sets_the_field_to_null():
    csv_bytes = to_csv([{"A": "1", "B": None}])

    assert csv_bytes.decode().splitlines()[1] == "1,#N/A"


def test_values_with_delimiters_quotes_and_newlines_are_quoted():
    csv_bytes = to_csv([{"A": 'say "hi", then\nleave'}])

    assert csv_bytes.decode() == 'A\n"say ""hi"", then\nleave"\n'


def test_rows_read_back_are_what_was_written():
    rows = [{"A": 'say "hi", then\r\nleave', "B": "é 漢字"}, {"A": "", "B": "  spaced  "}]

    assert from_csv(to_csv(rows)) == rows


def test_an_empty_results_body_or_a_header_alone_is_no_row():
    assert from_csv(b"") == []
    assert from_csv(b'"sf__Id","sf__Error","A"\n') == []


def test_a_row_error_names_its_code_message_and_fields():
    row = {"sf__Error": "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName, Email]:LastName,Email --"}

    assert row_error(row) == ApiErrorDetail(
        "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName, Email]", ("LastName", "Email")
    )


def test_a_row_error_naming_no_field_keeps_the_colons_of_its_message():
    row = {"sf__Error": "INVALID_FIELD:Foreign key external ID: C9 not found for field X in entity Contact:--"}

    assert row_error(row) == ApiErrorDetail(
        "INVALID_FIELD", "Foreign key external ID: C9 not found for field X in entity Contact", ()
    )
