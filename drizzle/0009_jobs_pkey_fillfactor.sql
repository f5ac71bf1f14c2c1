-- Every job row is updated twice after its insert (claimed, then finished) and neither update can
-- be HOT (both change `state`, which the partial indexes name), so each puts a second and a third
-- entry for the same id into jobs_pkey. Leaf pages filled to the default 90 % then overflow at
-- once: every such insert ran a bottom-up deletion pass over the heap and then split the page,
-- about 13,000 instructions a job, 6 % of a drain's database work (bench/RESULTS.md). Pages split
-- at the right edge (where new ids go) now keep 60 % free, room for the later versions until
-- vacuum removes the old ones. The index is larger by the same factor. Existing pages keep their
-- fill until the index is rebuilt (REINDEX INDEX CONCURRENTLY jobs_pkey), which is optional.
ALTER INDEX "jobs_pkey" SET (fillfactor = 40);
