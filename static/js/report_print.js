/*
 * The print view of a 工作报告 (templates/reports/report_print.html): its 打印 button opens
 * the browser's print dialog. A script file, as the Content-Security-Policy allows no
 * inline handler.
 */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () {
        window.print();
      });
    });
  });
})();
