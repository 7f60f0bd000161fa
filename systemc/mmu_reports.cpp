/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmu_reports.cpp - statistics and reports of the MMU module (the io layer's summary and JSON writers).
 */
#include "mmusim/systemc/mmu_module.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>


#include "module_internal.h"

extern "C" {
#include "mmusim/io/report.h"
#include "mmusim/io/stream.h"
}

using namespace sc_core;
using namespace tlm;

namespace mmusim {
namespace sc {

/* ---- statistics ---- */

void mmu_module::clear_stats()
{
    mmu_clear_stats(m_);
    ms_ = module_stats();
    rep_.vpn = UINT64_MAX; /* (the repeat path leaves first_cycle to the translation that set the page) */
}

static mmusim_run_info run_info(const char *name, const mmu_module::workload &w, const module_stats &ms,
                            const mmu_stats &s)
{
    mmusim_run_info info;
    std::memset(&info, 0, sizeof info);
    info.trace_path = w.name.empty() ? name : w.name.c_str();
    info.trace_format = w.format.c_str();
    info.compression = w.compression.c_str();
    info.instructions = w.instructions;
    info.accesses = ms.b_transport + ms.nb_requests;
    info.translations = s.requests;
    info.crossings = ms.crossings;
    info.first_cycle = ms.first_cycle == UINT64_MAX ? 0 : ms.first_cycle;
    info.last_cycle = ms.last_cycle;
    info.has_cycles = 1;
    return info;
}

void mmu_module::report_text(FILE *out) const
{
    const mmusim_run_info info = run_info(name(), workload_, ms_, stats());
    mmusim_report_text(out, m_, &info);
    std::fprintf(out,
                 "\nSystemC        LT %llu, AT %llu, debug %llu; faults %llu; page-crossing %llu "
                 "(split %llu, burst errors %llu)\n",
                 static_cast<unsigned long long>(ms_.b_transport), static_cast<unsigned long long>(ms_.nb_requests),
                 static_cast<unsigned long long>(ms_.debug), static_cast<unsigned long long>(ms_.faults),
                 static_cast<unsigned long long>(ms_.crossings), static_cast<unsigned long long>(ms_.splits),
                 static_cast<unsigned long long>(ms_.burst_errors));
    if (den_ == 1)
        std::fprintf(out, "               issue cycles from simulated time, clock period %s\n",
                     period_.to_string().c_str());
    else
        std::fprintf(out, "               issue cycles from simulated time, clock period %llu/%llu x %s (exact)\n",
                     static_cast<unsigned long long>(num_), static_cast<unsigned long long>(den_),
                     sc_get_time_resolution().to_string().c_str());
    if (mode_ == page_table_mode::static_map)
        std::fprintf(out, "static map     %u regions, %u tables (%llu bytes at 0x%llx), %llu leaves\n",
                     map_cfg_.n_regions, map_tables_.tables, static_cast<unsigned long long>(map_tables_.bytes),
                     static_cast<unsigned long long>(map_cfg_.table_base),
                     static_cast<unsigned long long>(map_tables_.leaves));
    if (mode_ == page_table_mode::cosim || mode_ == page_table_mode::static_map)
        std::fprintf(out, "PTE socket     reads %llu, writes %llu, errors %llu\n",
                     static_cast<unsigned long long>(ms_.pte_reads), static_cast<unsigned long long>(ms_.pte_writes),
                     static_cast<unsigned long long>(ms_.pte_errors));
    std::fprintf(out, "DMI            grants %llu, denials %llu, invalidations %llu\n",
                 static_cast<unsigned long long>(ms_.dmi_grants), static_cast<unsigned long long>(ms_.dmi_denials),
                 static_cast<unsigned long long>(ms_.dmi_invalidations));
}

bool mmu_module::report_json(const std::string &path, std::string *err) const
{
    const mmusim_run_info info = run_info(name(), workload_, ms_, stats());
    char msg[1024];
    if (mmusim_report_json(path.c_str(), m_, &info, msg, sizeof msg) != 0) {
        if (err)
            *err = msg;
        return false;
    }
    return true;
}

/* A warning: through the SystemC report handler, or on stderr at destruction (it may run after the kernel). */
static void warn(const std::string &text, bool at_exit)
{
    if (at_exit)
        std::fprintf(stderr, "Warning: %s: %s\n", MSG_TYPE, text.c_str());
    else
        SC_REPORT_WARNING(MSG_TYPE, text.c_str());
}

/* The text summary into path, as mmusim writes its outputs (docs/outputs.md): a regular
   file replaced atomically (a temporary file renamed into place), a device or a FIFO
   written in place (stats_text = "/dev/null" never replaces /dev/null). */
static bool write_text(const mmu_module &m, const std::string &path, std::string *err)
{
    char msg[4200];
    mmusim_ofile *of = nullptr;
    if (mmusim_ofile_open(path.c_str(), &of, msg, sizeof msg) < 0) {
        *err = msg;
        return false;
    }
    FILE *f = mmusim_ofile_stdio(of);
    if (!f) {
        mmusim_ofile_abort(of);
        *err = path + ": out of memory";
        return false;
    }
    m.report_text(f);
    if (mmusim_ofile_commit(of, msg, sizeof msg) < 0) { /* flushes: a write error is reported here */
        *err = msg;
        return false;
    }
    return true;
}

/* Both reports; false if one could not be written (warned). */
static bool write_both(const mmu_module &m, const std::string &text, const std::string &json, bool at_exit)
{
    std::string err;
    bool ok = true;
    if (!text.empty()) {
        if (text == "-") {
            m.report_text(stdout);
            std::fflush(stdout);
        } else if (!write_text(m, text, &err)) {
            warn(err, at_exit);
            ok = false;
        }
    }
    if (!json.empty() && !m.report_json(json, &err)) {
        warn(err, at_exit);
        ok = false;
    }
    return ok;
}

void mmu_module::write_reports_now(bool at_exit) const
{
    auto_reports_done_ = true;
    (void)write_both(*this, opt_.stats_text, opt_.stats_json, at_exit);
}

bool mmu_module::write_reports() const
{
    return write_both(*this, opt_.stats_text, opt_.stats_json, false);
}

void mmu_module::end_of_simulation()
{
    if (!auto_reports_done_)
        write_reports_now(false);
}

} // namespace sc
} // namespace mmusim
