-- load_batch_insert: the rows of a batch of validated files, one insert per table. The loader
-- registers the staged rows as Arrow tables (staged_submission, staged_count, staged_issue) whose
-- columns are those of the tables, in order; the surrounding transaction commits the files together.
insert into submission by name select * from staged_submission;
insert into return_count by name select * from staged_count;
insert into validation_issue by name select * from staged_issue;
