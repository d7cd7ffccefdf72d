insert into receipt (receipt_id, received_at, username, authority_code, period, file_name, stored_name, sha256,
                     size_bytes, status, issues_json)
values (:receipt_id, :received_at, :username, :authority_code, :period, :file_name, :stored_name, :sha256,
        :size_bytes, :status, :issues_json)
