# plot.gp: bench/results.png from bench/report.sh's files.
#   datafile: INDEX "LABEL" MEDIAN_E MIN_E MAX_E MEDIAN_A MIN_A MAX_A
#   rawfile:  INDEX FROM_ENABLE_MS FROM_ADD_MS   (one line per round)
#   outfile:  the PNG
set terminal pngcairo size 1400,900 font ",10" noenhanced
set output outfile
set multiplot layout 2,1 title "Event -> online, 2 GiB NVDIMM namespace (TCG guests; points: rounds; bars: median, min-max)"
set grid ytics
set ylabel "ms"
set xtics rotate by -30 left
set key top center horizontal
set offsets 0, 0, graph 0.15, 0
set yrange [0:*]
stats datafile using 1 nooutput
set xrange [0.5:STATS_max + 0.5]
set title "from ndctl enable-namespace to the last block online"
plot datafile using 1:3:4:5:xtic(2) with yerrorbars lw 2 pt 7 ps 1.2 lc rgb "#1f4e9c" title "median (min-max)", \
     rawfile using ($1 + 0.15):2 with points pt 6 ps 0.8 lc rgb "#d95f02" title "rounds"
set title "from the dax device's add uevent to the last block online"
plot datafile using 1:6:7:8:xtic(2) with yerrorbars lw 2 pt 7 ps 1.2 lc rgb "#1f4e9c" title "median (min-max)", \
     rawfile using ($1 + 0.15):3 with points pt 6 ps 0.8 lc rgb "#d95f02" title "rounds"
unset multiplot
