-- Reserved: the number of another branch's migration (issues 14-16 are built at the same
-- time). This placeholder changes nothing; it is replaced by that branch's file on merge.
SELECT 1
