"""Data that shipped migrations wrote, frozen as it shipped: every engine's migrations seed from here, never
from the program's code or files, which may change."""

# The district's stations as the first release bundled them (fanzha_cli/resources/stations.csv, parsed): written
# out here, so that this migration does what it did when it shipped whatever the station code or file become.
STATIONS_AS_SHIPPED = (
    ("邾城派出所", "027-0000-0101", "新洲反诈·邾城所"),
    ("阳逻派出所", "027-0000-0102", "新洲反诈·阳逻所"),
    ("阳逻开发区派出所", "027-0000-0103", "新洲反诈·阳逻开发区所"),
    ("旧街派出所", "027-0000-0104", "新洲反诈·旧街所"),
    ("仓埠派出所", "027-0000-0105", "新洲反诈·仓埠所"),
    ("汪集派出所", "027-0000-0106", "新洲反诈·汪集所"),
    ("李集派出所", "027-0000-0107", "新洲反诈·李集所"),
    ("三店派出所", "027-0000-0108", "新洲反诈·三店所"),
    ("潘塘派出所", "027-0000-0109", "新洲反诈·潘塘所"),
    ("凤凰派出所", "027-0000-0110", "新洲反诈·凤凰所"),
    ("双柳派出所", "027-0000-0111", "新洲反诈·双柳所"),
    ("涨渡湖派出所", "027-0000-0112", "新洲反诈·涨渡湖所"),
    ("辛冲派出所", "027-0000-0113", "新洲反诈·辛冲所"),
    ("徐古派出所", "027-0000-0114", "新洲反诈·徐古所"),
    ("道观河派出所", "027-0000-0115", "新洲反诈·道观河所"),
    ("问津派出所", "027-0000-0116", "新洲反诈·问津所"),
)
