;;; eglot-test.el --- the Emacs snippet of editors/nvim/README.md, tested  -*- lexical-binding: t -*-
;;
;; Loads the elisp block under "### Emacs (eglot)" of editors/nvim/README.md
;; exactly as a user would paste it, then checks it against the fake language
;; server of the Neovim tests (editors/nvim/tests/fake_lsp.py), started as
;; `infrac lsp` through a wrapper put first on PATH.
;;
;;   emacs --batch -l ert -l editors/emacs/eglot-test.el -f ert-run-tests-batch-and-exit
;;
;; Needs Emacs 28+ with eglot (built in from 29; Debian's elpa-eglot on 28) and python3.

(require 'ert)
(require 'package)
(package-initialize)
(require 'eglot)
(require 'flymake)

(defconst infra-test-editors
  (file-name-directory (directory-file-name (file-name-directory (or load-file-name buffer-file-name)))))
(defconst infra-test-readme (expand-file-name "nvim/README.md" infra-test-editors))
(defconst infra-test-fake (expand-file-name "nvim/tests/fake_lsp.py" infra-test-editors))
(defconst infra-test-fixture (expand-file-name "nvim/tests/fixtures/thumbnailer" infra-test-editors))

(defun infra-test-snippet ()
  "The elisp block of the README's Emacs section."
  (with-temp-buffer
    (insert-file-contents infra-test-readme)
    (goto-char (point-min))
    (re-search-forward "^### Emacs (eglot)")
    (re-search-forward "^```elisp\n")
    (let ((start (point)))
      (re-search-forward "^```$")
      (buffer-substring-no-properties start (match-beginning 0)))))

;; A scratch copy of the fixture project, and `infrac` on PATH running the fake server.
(defconst infra-test-dir (make-temp-file "infra-eglot-" t))
(copy-directory infra-test-fixture (expand-file-name "proj/" infra-test-dir) nil t t)
(let ((bin (expand-file-name "bin/" infra-test-dir)))
  (make-directory bin)
  (with-temp-file (expand-file-name "infrac" bin)
    (insert "#!/bin/sh\n[ \"$1\" = lsp ] || exit 2\nexec python3 " (shell-quote-argument infra-test-fake) "\n"))
  (set-file-modes (expand-file-name "infrac" bin) #o755)
  (setenv "PATH" (concat bin path-separator (getenv "PATH")))
  (setq exec-path (cons bin exec-path)))

(eval (car (read-from-string (concat "(progn " (infra-test-snippet) ")"))) t)

(defvar infra-test-server nil)

(defun infra-test-open ()
  "Visit main.infra of the scratch project, with eglot connected."
  (find-file (expand-file-name "proj/main.infra" infra-test-dir))
  (unless (and infra-test-server (jsonrpc-running-p infra-test-server))
    (setq infra-test-server (apply #'eglot (eglot--guess-contact))))
  (should (eq (eglot-current-server) infra-test-server)))

(ert-deftest infra-eglot-mode-and-project ()
  "*.infra opens in infra-mode; the project root is the directory holding infra.toml."
  (find-file (expand-file-name "proj/main.infra" infra-test-dir))
  (should (eq major-mode 'infra-mode))
  (should (equal (file-name-as-directory (project-root (project-current)))
                 (file-name-as-directory (expand-file-name "proj" infra-test-dir))))
  (should (equal comment-start "// ")))

(ert-deftest infra-eglot-comment-region ()
  "comment-region uses // comments."
  (with-temp-buffer
    (infra-mode)
    (insert "bucket media\n")
    (comment-region (point-min) (point-max))
    (should (equal (buffer-string) "// bucket media\n"))))

(ert-deftest infra-eglot-hover ()
  "eglot starts `infrac lsp` and hover shows the doc comment."
  (infra-test-open)
  (goto-char (point-min))
  (search-forward "reads media")
  (backward-char 2)
  (let* ((hover (jsonrpc-request infra-test-server :textDocument/hover
                                 (eglot--TextDocumentPositionParams)))
         (value (plist-get (plist-get hover :contents) :value)))
    (should (string-match-p "Uploaded videos and their thumbnails\\." value))))

(ert-deftest infra-eglot-diagnostics ()
  "An edit reaches the server and its diagnostic shows in flymake."
  (infra-test-open)
  (goto-char (point-max))
  (insert "\nbuckt extra {\n}\n")
  (eglot--signal-textDocument/didChange)
  (let ((deadline (+ (float-time) 10)) diags)
    (while (and (< (float-time) deadline) (null diags))
      (accept-process-output nil 0.1)
      (setq diags (flymake-diagnostics)))
    (should (= (length diags) 1))
    (let ((text (flymake-diagnostic-text (car diags))))
      (should (string-match-p "E0101" text))
      (should (string-match-p "unknown resource kind `buckt`" text)))
    (should (eq (flymake-diagnostic-type (car diags)) 'eglot-error))))

(add-hook 'kill-emacs-hook
          (lambda ()
            (when (and infra-test-server (jsonrpc-running-p infra-test-server))
              (ignore-errors (eglot-shutdown infra-test-server)))
            (delete-directory infra-test-dir t)))

;;; eglot-test.el ends here
