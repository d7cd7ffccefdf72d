insert into ref_prevent_priority_area (gss_code, financial_year, name, source_url)
select unnest($gss_code), unnest($financial_year), unnest($name), unnest($source_url)
